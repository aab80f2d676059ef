package dev.tokenservices.orchestrator.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.support.FakeTokenService;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.Pushes;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.testsupport.ManagementPort;
import dev.tokenservices.testsupport.PackagedArtifact;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A whole login through the packaged application (the JVM build, or the native executable with
 * -Dnative): /authorize sends the browser to an upstream OpenID provider over real HTTP, /callback
 * redeems its code (PKCE, client secret, nonce checked upstream), the client redeems the
 * orchestrator's code for an id_token it can verify against /jwks, the upstream id_token beside it
 * and one access token per resource from the token exchange; then /userinfo, and a second
 * redemption of the same code is invalid_grant. The same login pushed first (PAR, RFC 9126): /par answers a
 * request_uri, /authorize with it goes upstream, the code redeems, and the request_uri serves once.
 */
@QuarkusIntegrationTest
@WithTestResource(TestWorld.class)
@WithTestResource(ManagementPort.class)
class PackagedOrchestratorLoginIT {

    private static final String ISSUER = "http://localhost:8082";

    private static JWTClaimsSet verified(String jwt) throws Exception {
        SignedJWT signed = SignedJWT.parse(jwt);
        JWKSet jwks = JWKSet.parse(given().get("/jwks").then().statusCode(200).extract().asString());
        JWK key = jwks.getKeyByKeyId(signed.getHeader().getKeyID());
        assertNotNull(key, "kid " + signed.getHeader().getKeyID() + " is in /jwks");
        JWSVerifier verifier;
        if (key instanceof RSAKey rsa) {
            verifier = new RSASSAVerifier(rsa);
        } else if (key instanceof ECKey ec) {
            verifier = new ECDSAVerifier(ec);
        } else {
            throw new AssertionError("an id_token or access token signed with " + key.getKeyType());
        }
        assertTrue(signed.verify(verifier), "the signature verifies against /jwks");
        return signed.getJWTClaimsSet();
    }

    @Test
    void aLoginAtTheUpstreamProviderEndsWithVerifiedTokens() throws Exception {
        Logins.Login login = Logins.login("native-u-1");
        assertEquals(302, login.callback().statusCode());
        Map<String, String> result = login.result();
        assertTrue(login.callback().header("Location").startsWith(Logins.REDIRECT + "?"));
        assertEquals(login.state(), result.get("state"));
        assertEquals(ISSUER, result.get("iss"));

        JsonPath json = Logins.redeem(login.code(), login.verifier()).then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer"))
                .extract().jsonPath();
        // RS256: the default id_token_signed_response_alg (OIDC Core §15.1)
        assertEquals(JWSAlgorithm.RS256, SignedJWT.parse(json.getString("id_token")).getHeader().getAlgorithm());
        JWTClaimsSet id = verified(json.getString("id_token"));
        assertEquals(ISSUER, id.getIssuer());
        assertEquals(List.of(Logins.APP), id.getAudience());
        assertEquals(login.nonce(), id.getClaim("nonce"));
        assertEquals("native-u-1", id.getSubject());
        assertEquals(TestWorld.upstream.issuer(), id.getClaim("idp"));
        assertNull(id.getClaim("email"), "a scope value's claims are at /userinfo (OIDC Core §5.4)");
        assertEquals(TestWorld.upstream.issuer(), SignedJWT.parse(json.getString("upstream_id_token")).getJWTClaimsSet().getIssuer());

        String accessToken = json.getString("access_token");
        assertEquals("at+jwt", SignedJWT.parse(accessToken).getHeader().getType().getType());
        JWTClaimsSet access = verified(accessToken);
        assertEquals(List.of(ISSUER), access.getAudience());
        assertEquals(Logins.APP, access.getClaim("client_id"));
        assertEquals("invoices.read", json.getString("access_tokens.'" + FakeTokenService.INVOICES + "'.scope"));
        assertEquals("media.play", json.getString("access_tokens.'" + FakeTokenService.MEDIA + "'.scope"));

        given().auth().oauth2(accessToken).get("/userinfo").then().statusCode(200).body("sub", equalTo("native-u-1"))
                .body("email", equalTo("native-u-1@example.com"));
        Logins.redeem(login.code(), login.verifier()).then().statusCode(400)
                .body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("the authorization code is invalid, expired or already used"));
    }

    @Test
    void aPushedRequestLogsInThroughItsRequestUriAndTheCodeRedeems() throws Exception {
        String verifier = Logins.verifier();
        Response pushed = Pushes.push(Pushes.testApp(), Pushes.request(verifier, Map.of()));
        String uri = Pushes.requestUri(pushed);
        Response back = Logins.atUpstream(Pushes.authorizeWith(Logins.APP, uri), "native-par-1", null);
        assertTrue(back.header("Location").startsWith(Logins.REDIRECT + "?"), back.header("Location"));
        Map<String, String> result = Forms.query(back.header("Location"));
        assertEquals("par-state", result.get("state"));
        JsonPath json = Logins.redeem(result.get("code"), verifier).then().statusCode(200).extract().jsonPath();
        assertEquals("openid profile invoices.read", json.getString("scope"));
        JWTClaimsSet id = verified(json.getString("id_token"));
        assertEquals("par-nonce", id.getClaim("nonce"));
        assertEquals("native-par-1", id.getSubject());
        Pushes.authorizeWith(Logins.APP, uri).then().statusCode(400);
    }

    @Test
    void aWrongVerifierIsInvalidGrant() {
        Logins.Login login = Logins.login("native-u-2");
        Logins.redeem(login.code(), Logins.verifier()).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void theMetricsNameTheProviderThatSigns() {
        PackagedArtifact.assertSignsWithExpectedProvider(
                given().get(ManagementPort.url("metrics")).then().statusCode(200).extract().asString());
    }
}
