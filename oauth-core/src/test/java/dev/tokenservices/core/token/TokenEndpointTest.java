package dev.tokenservices.core.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.core.TestClients;
import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.AuthMethod;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenEndpointTest {

    /** Answers with the value of its parameter "code"; reads "other" when asked to, which it does not declare. */
    private record EchoGrant(String grantType, boolean readsUndeclared) implements GrantHandler<String> {
        @Override
        public Grant grant() {
            return new Grant(grantType, GrantParameters.required("code").andOptional("hint"));
        }

        @Override
        public Uni<String> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof) {
            if (readsUndeclared) {
                request.get("other");
            }
            return Uni.createFrom().item(client.clientId() + ":" + request.require("code") + ":" + request.get("hint")
                    + proof.map(p -> ":" + p.jkt()).orElse(""));
        }
    }

    private final TokenEndpoint<String> endpoint = new TokenEndpoint<>(new ClientAuthenticator(TestClients.lookup(
                    TestClients.client("app", AuthMethod.NONE, "echo", "sloppy"),
                    TestClients.dpopBound("bound-app", AuthMethod.NONE, "echo")), null),
            List.of(new EchoGrant("echo", false), new EchoGrant("sloppy", true), new EchoGrant("not-for-app", false)));

    private String token(String body) {
        return endpoint.token(FormRequest.parse(FormRequest.FORM, body, null)).await().indefinitely().token();
    }

    private OAuthException refused(String body) {
        return assertThrows(OAuthException.class, () -> token(body));
    }

    @Test
    void tokenWhenEverythingIsInOrderThenTheGrantAnswersWithItsParameters() {
        assertEquals("app:c1:h", token("client_id=app&grant_type=echo&code=c1&hint=h"));
    }

    @Test
    void tokenWhenAnotherGrantsParameterIsSentThenItIsIgnored() {
        // RFC 6749 §3.2: unrecognised parameters are ignored
        assertEquals("app:c1:null", token("client_id=app&grant_type=echo&code=c1&subject_token=x"));
    }

    @Test
    void tokenWhenGrantTypeIsMissingThenInvalidRequest() {
        OAuthException e = refused("client_id=app&code=c1");
        assertEquals("invalid_request", e.error());
        assertEquals("parameter 'grant_type' is required", e.description());
    }

    @Test
    void tokenWhenGrantTypeIsUnknownThenUnsupportedGrantType() {
        assertEquals("unsupported_grant_type", refused("client_id=app&grant_type=magic&code=c1").error());
    }

    @Test
    void tokenWhenTheClientMayNotUseTheGrantThenUnauthorizedClient() {
        assertEquals("unauthorized_client", refused("client_id=app&grant_type=not-for-app&code=c1").error());
    }

    @Test
    void tokenWhenARequiredParameterIsMissingThenInvalidRequestNamingIt() {
        OAuthException e = refused("client_id=app&grant_type=echo&hint=h");
        assertEquals("invalid_request", e.error());
        assertEquals("parameter 'code' is required", e.description());
    }

    @Test
    void tokenWhenAParameterIsRepeatedThenInvalidRequest() {
        assertEquals("invalid_request", refused("client_id=app&grant_type=echo&code=c1&code=c2").error());
    }

    @Test
    void tokenWhenTheClientIsNotAuthenticatedThenInvalidClientBeforeTheGrantIsLookedAt() {
        assertEquals("invalid_client", refused("grant_type=magic").error());
    }

    @Test
    void tokenWhenAGrantReadsAParameterItDidNotDeclareThenItFails() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> token("client_id=app&grant_type=sloppy&code=c1&other=x"));
        assertTrue(e.getMessage().contains("other"));
    }

    @Test
    void tokenWhenTheClientIsDpopBoundAndSendsNoProofThenInvalidDpopProof() {
        OAuthException e = refused("client_id=bound-app&grant_type=echo&code=c1");
        assertEquals("invalid_dpop_proof", e.error());
        assertEquals(400, e.status());
        assertTrue(e.description().contains("dpop_bound_access_tokens"), e.description());
    }

    @Test
    void tokenWhenTheEndpointOffersNoDpopThenAProofIsIgnored() {
        assertEquals("app:c1:null", endpoint.token(FormRequest.parse(FormRequest.FORM, "client_id=app&grant_type=echo&code=c1", null),
                List.of("eyJhbGciOiJub25lIn0.e30.")).await().indefinitely().token());
    }

    @Test
    void twoGrantsForOneGrantTypeStopStartUp() {
        ClientAuthenticator authenticator = new ClientAuthenticator(TestClients.lookup(), null);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new TokenEndpoint<>(authenticator, List.of(new EchoGrant("echo", false), new EchoGrant("echo", true))));
        assertTrue(e.getMessage().contains("echo"));
    }
}
