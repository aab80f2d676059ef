package dev.tokenservices.orchestrator.support;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import dev.tokenservices.shared.jose.KeyAlgorithm;
import io.restassured.response.Response;
import java.security.Signature;
import java.util.Map;

/** Verifies the orchestrator's JWTs against its /jwks as a relying party would, whatever their algorithm. */
public final class IdTokens {

    private IdTokens() {
    }

    /** The claims of a JWT whose header names {@code expected} and whose signature verifies with the /jwks key of its kid. */
    public static JWTClaimsSet verified(String jwt, JWSAlgorithm expected) throws Exception {
        SignedJWT parsed = SignedJWT.parse(jwt);
        assertEquals(expected, parsed.getHeader().getAlgorithm());
        JWK key = JWKSet.parse(given().get("/jwks").asString()).getKeyByKeyId(parsed.getHeader().getKeyID());
        assertNotNull(key, "the kid is published in /jwks");
        assertEquals(expected.getName(), key.getAlgorithm().getName(), "the key is published for this algorithm");
        assertTrue(verifies(parsed, key), "the signature verifies with the published key");
        return parsed.getJWTClaimsSet();
    }

    /** RSA and EC through Nimbus; Ed25519 through the JDK (Nimbus' verifier needs Tink, not on this class path). */
    private static boolean verifies(SignedJWT jwt, JWK key) throws Exception {
        if (key instanceof RSAKey rsa) {
            return jwt.verify((JWSVerifier) new RSASSAVerifier(rsa));
        }
        if (key instanceof ECKey ec) {
            return jwt.verify(new ECDSAVerifier(ec));
        }
        Signature ed25519 = Signature.getInstance("Ed25519");
        ed25519.initVerify(KeyAlgorithm.publicKey(key));
        ed25519.update(jwt.getSigningInput());
        return ed25519.verify(jwt.getSignature().decode());
    }

    /** Redeems a code for a confidential client with client_secret_basic. */
    public static Response redeem(String clientId, String secret, String redirectUri, Logins.Login login) {
        return given().auth().preemptive().basic(clientId, secret).formParam("grant_type", "authorization_code")
                .formParam("code", login.code()).formParam("redirect_uri", redirectUri)
                .formParam("code_verifier", login.verifier()).post("/token");
    }

    /** A whole login of {@code clientId}, with the parameters given, to its tokens. */
    public static Response loginAndRedeem(String clientId, String secret, String redirectUri, String scope, String sub,
            Map<String, String> extra) {
        Logins.Login login = Logins.login(clientId, redirectUri, scope, sub, null, extra);
        return redeem(clientId, secret, redirectUri, login);
    }
}
