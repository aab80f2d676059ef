package dev.tokenservices.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenservices.core.TestClients;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.AuthMethod;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ClientAuthenticatorTest {

    private final ClientAuthenticator authenticator = new ClientAuthenticator(TestClients.lookup(
            TestClients.client("basic-worker", AuthMethod.CLIENT_SECRET_BASIC),
            TestClients.client("post-worker", AuthMethod.CLIENT_SECRET_POST),
            TestClients.client("public-app", AuthMethod.NONE)), null);

    private static FormRequest form(String body, String authorization) {
        return FormRequest.parse(FormRequest.FORM, body, authorization);
    }

    private static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private RegisteredClient authenticate(FormRequest request) {
        return authenticator.authenticate(request).await().indefinitely();
    }

    private static OAuthException refused(Executable call) {
        return assertThrows(OAuthException.class, call);
    }

    @Test
    void authenticateWhenBasicSecretMatchesThenTheClient() {
        assertEquals("basic-worker", authenticate(form("grant_type=x", basic("basic-worker", TestClients.SECRET))).clientId());
    }

    @Test
    void authenticateWhenPostSecretMatchesThenTheClient() {
        assertEquals("post-worker", authenticate(form("client_id=post-worker&client_secret=" + TestClients.SECRET, null)).clientId());
    }

    @Test
    void authenticateWhenPublicClientSendsItsIdThenTheClient() {
        assertEquals("public-app", authenticate(form("client_id=public-app", null)).clientId());
    }

    @Test
    void authenticateWhenSecretIsWrongOrClientUnknownOrMethodOtherThenTheSameInvalidClient() {
        for (FormRequest request : new FormRequest[] {
                form("", basic("basic-worker", "wrong")),
                form("", basic("nobody", TestClients.SECRET)),
                form("client_id=basic-worker&client_secret=" + TestClients.SECRET, null),
                form("client_id=basic-worker", null)}) {
            OAuthException e = refused(() -> authenticate(request));
            assertEquals("invalid_client", e.error());
            assertEquals(401, e.status());
            assertEquals("client authentication failed", e.description());
        }
    }

    @Test
    void authenticateWhenNothingIsSentThenAuthenticationIsRequired() {
        OAuthException e = refused(() -> authenticate(form("grant_type=x", null)));
        assertEquals("invalid_client", e.error());
        assertEquals("client authentication is required", e.description());
    }

    @Test
    void authenticateWhenTwoMethodsAreUsedThenInvalidRequest() {
        OAuthException e = refused(() -> authenticate(form("client_secret=" + TestClients.SECRET, basic("basic-worker", TestClients.SECRET))));
        assertEquals("invalid_request", e.error());
        assertEquals(400, e.status());
    }

    @Test
    void authenticateWhenBodyClientIdDiffersFromBasicThenInvalidRequest() {
        OAuthException e = refused(() -> authenticate(form("client_id=other", basic("basic-worker", TestClients.SECRET))));
        assertEquals("invalid_request", e.error());
        assertEquals("client_id does not match the client in the Authorization header", e.description());
    }

    @Test
    void authenticateWhenAssertionsAreNotOfferedThenInvalidClientSaysSo() {
        OAuthException e = refused(() -> authenticate(form("client_assertion_type=x&client_assertion=y", null)));
        assertEquals("invalid_client", e.error());
        assertEquals("private_key_jwt is not supported at this endpoint", e.description());
    }
}
