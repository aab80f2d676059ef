package dev.tokenservices.token.client;

import static dev.tokenservices.token.support.Fixtures.ISSUER;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static org.hamcrest.Matchers.equalTo;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** RFC 7523 client authentication: signed assertions, their audience, lifetime and single use. */
@QuarkusTest
class PrivateKeyJwtTest {

    private static final String CLIENT = "jwt-worker";
    private static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private static ECKey registeredKey() throws Exception {
        try (InputStream in = PrivateKeyJwtTest.class.getResourceAsStream("/jwt-worker-test-key.json")) {
            return ECKey.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static JWTClaimsSet.Builder claims() {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().issuer(CLIENT).subject(CLIENT).audience(ISSUER + "/token")
                .issueTime(new Date(now)).expirationTime(new Date(now + 60_000)).jwtID(UUID.randomUUID().toString());
    }

    private static String sign(JWTClaimsSet claims, JWSSigner signer, JWSAlgorithm alg, String kid) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static String assertion(JWTClaimsSet claims) throws Exception {
        return sign(claims, new ECDSASigner(registeredKey()), JWSAlgorithm.ES256, "jwt-worker-1");
    }

    private static io.restassured.response.ValidatableResponse post(String assertion) {
        return form().formParam("grant_type", "client_credentials")
                .formParam("client_assertion_type", ASSERTION_TYPE)
                .formParam("client_assertion", assertion)
                .post("/token").then();
    }

    @Test
    void aValidAssertionAuthenticatesTheClient() throws Exception {
        String token = post(assertion(claims().build())).statusCode(200).extract().path("access_token");
        Assertions.assertEquals(CLIENT, verify(token).getSubject());
    }

    @Test
    void theIssuerIsAlsoAnAcceptedAudience() throws Exception {
        post(assertion(claims().audience(ISSUER).build())).statusCode(200);
    }

    @Test
    void aReplayedAssertionIsRefused() throws Exception {
        String once = assertion(claims().build());
        post(once).statusCode(200);
        post(once).statusCode(401).body("error", equalTo("invalid_client"))
                .body("error_description", equalTo("client_assertion has already been used (jti replay)"));
    }

    @Test
    void aForeignAudienceIsRefused() throws Exception {
        post(assertion(claims().audience("https://other.example/token").build())).statusCode(401)
                .body("error", equalTo("invalid_client"));
    }

    @Test
    void anExpiredAssertionIsRefused() throws Exception {
        long past = System.currentTimeMillis() - 10 * 60_000;
        post(assertion(claims().issueTime(new Date(past)).expirationTime(new Date(past + 60_000)).build()))
                .statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void anAssertionValidForTooLongIsRefused() throws Exception {
        post(assertion(claims().expirationTime(new Date(System.currentTimeMillis() + 3 * 3600_000)).build()))
                .statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void anAssertionWithoutJtiIsRefused() throws Exception {
        post(assertion(claims().jwtID(null).build())).statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void anotherKeyIsRefused() throws Exception {
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID("jwt-worker-1").generate();
        post(sign(claims().build(), new ECDSASigner(attacker), JWSAlgorithm.ES256, "jwt-worker-1"))
                .statusCode(401).body("error", equalTo("invalid_client"))
                .body("error_description", equalTo("client authentication failed"));
    }

    @Test
    void anUnsignedAssertionIsRefused() throws Exception {
        post(new PlainJWT(claims().build()).serialize()).statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void hmacWithThePublicKeyAsSecretIsRefused() throws Exception {
        byte[] publicBytes = registeredKey().toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        post(sign(claims().build(), new MACSigner(java.util.Arrays.copyOf(publicBytes, 64)), JWSAlgorithm.HS256, "jwt-worker-1"))
                .statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void issAndSubMustBeTheClient() throws Exception {
        post(assertion(claims().subject("someone-else").build())).statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void aWrongAssertionTypeIsRefused() throws Exception {
        form().formParam("grant_type", "client_credentials")
                .formParam("client_assertion_type", "urn:example:saml")
                .formParam("client_assertion", assertion(claims().build()))
                .post("/token").then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void garbageIsRefused() {
        post("not.a.jwt").statusCode(401).body("error", equalTo("invalid_client"));
    }
}
