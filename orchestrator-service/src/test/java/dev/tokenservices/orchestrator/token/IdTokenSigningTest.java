package dev.tokenservices.orchestrator.token;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.logout.IdTokenHints;
import dev.tokenservices.orchestrator.support.IdTokens;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each client's id_tokens are signed with its {@code id_token_signed_response_alg} (OIDC Registration
 * §2): RS256 when it names none (OIDC Core §15.1), ES256 or EdDSA when it asks; each verifies against
 * /jwks, {@code at_hash} uses the algorithm's hash, and such an id_token is a valid logout hint.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class IdTokenSigningTest {

    @Inject
    IdTokenHints hints;

    private static JsonPath tokens(String clientId, String redirectUri, String sub) {
        String secret = clientId.equals(Logins.APP) ? Logins.APP_SECRET : clientId + "-secret-0123456789abcdefghij";
        return IdTokens.loginAndRedeem(clientId, secret, redirectUri, "openid email", sub, Map.of())
                .then().statusCode(200).extract().jsonPath();
    }

    private void signedWith(JWSAlgorithm alg, String clientId, String redirectUri) throws Exception {
        JsonPath tokens = tokens(clientId, redirectUri, "alg-" + alg.getName());
        JWTClaimsSet id = IdTokens.verified(tokens.getString("id_token"), alg);
        assertEquals(List.of(clientId), id.getAudience());
        assertEquals(IdTokenMinter.atHash(KeyAlgorithm.valueOf(alg.getName()), tokens.getString("access_token")), id.getClaim("at_hash"));
        // the logout hint of any of our algorithms is ours
        assertEquals(clientId, hints.verify(tokens.getString("id_token")).clientId());
        // the /userinfo access token keeps the orchestrator.keys.algorithm family, whatever the client's id_token algorithm
        IdTokens.verified(tokens.getString("access_token"), JWSAlgorithm.ES256);
    }

    @Test
    void aClientThatNamesNoAlgorithmGetsRs256() throws Exception {
        signedWith(JWSAlgorithm.RS256, Logins.APP, Logins.REDIRECT);
    }

    @Test
    void aClientRegisteredForEs256GetsEs256() throws Exception {
        signedWith(JWSAlgorithm.ES256, "es256-app", "https://es256.example/cb");
    }

    @Test
    void aClientRegisteredForEdDsaGetsEdDsaWithASha512AtHash() throws Exception {
        signedWith(JWSAlgorithm.EdDSA, "eddsa-app", "https://eddsa.example/cb");
    }

    @Test
    void anIdTokenWhoseSignatureIsAnotherAlgorithmsIsNotAHint() throws Exception {
        // the RS256 token's payload and signature under an ES256 header naming the same kid: refused
        String rs = tokens(Logins.APP, Logins.REDIRECT, "alg-mix").getString("id_token");
        SignedJWT parsed = SignedJWT.parse(rs);
        String header = com.nimbusds.jose.util.Base64URL.encode("{\"alg\":\"ES256\",\"kid\":\"" + parsed.getHeader().getKeyID() + "\"}")
                .toString();
        String forged = header + "." + rs.substring(rs.indexOf('.') + 1);
        org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> hints.verify(forged));
    }

    @Test
    void discoveryListsRs256FirstThenTheOthers() {
        List<String> algs = given().get("/.well-known/openid-configuration").jsonPath().getList("id_token_signing_alg_values_supported");
        assertEquals(List.of("RS256", "ES256", "EdDSA"), algs);
        assertNull(given().get("/.well-known/openid-configuration").jsonPath().get("userinfo_signing_alg_values_supported"));
    }
}
