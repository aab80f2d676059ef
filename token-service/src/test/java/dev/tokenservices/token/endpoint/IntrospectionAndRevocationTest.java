package dev.tokenservices.token.endpoint;

import static dev.tokenservices.token.support.Fixtures.ISSUER;
import static dev.tokenservices.token.support.Fixtures.WORKER;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.worker;
import static dev.tokenservices.token.support.Fixtures.workerToken;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.token.keys.KeyManager;
import dev.tokenservices.shared.jose.SigningKey;
import dev.tokenservices.token.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.security.interfaces.ECPrivateKey;
import java.util.Date;
import org.junit.jupiter.api.Test;

/** RFC 7662 introspection and RFC 7009 revocation. */
@QuarkusTest
class IntrospectionAndRevocationTest {

    private static final String INACTIVE = "{\"active\":false}";

    @Inject
    KeyManager keys;

    private static String introspect(String token) {
        return worker().formParam("token", token).post("/introspect")
                .then().statusCode(200).header("Cache-Control", "no-store").extract().asString();
    }

    @Test
    void anActiveTokenIsDescribed() {
        String token = workerToken("scope", "invoices.read");
        worker().formParam("token", token).post("/introspect")
                .then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("active", equalTo(true))
                .body("client_id", equalTo(WORKER))
                .body("sub", equalTo(WORKER))
                .body("scope", equalTo("invoices.read"))
                .body("iss", equalTo(ISSUER))
                .body("aud", equalTo(Fixtures.INVOICES))
                .body("token_type", equalTo("Bearer"));
    }

    @Test
    void anyConfidentialClientMayIntrospect() {
        String token = workerToken();
        form().formParam("client_id", Fixtures.POST_WORKER).formParam("client_secret", Fixtures.POST_WORKER_SECRET)
                .formParam("token", token).post("/introspect")
                .then().statusCode(200).body("active", equalTo(true));
    }

    @Test
    void garbageIsInactiveAndNothingElse() {
        assertEquals(INACTIVE, introspect("garbage"));
        assertEquals(INACTIVE, introspect("a.b.c"));
    }

    @Test
    void aTokenSignedByAnotherKeyIsInactive() throws Exception {
        ECKey foreign = new ECKeyGenerator(Curve.P_256).keyID(keys.signingKey().kid()).generate();
        assertEquals(INACTIVE, introspect(ourShape(new ECDSASigner(foreign), new Date(System.currentTimeMillis() + 60_000), ISSUER)));
    }

    @Test
    void anExpiredTokenIsInactive() throws Exception {
        SigningKey key = keys.signingKey();
        assertEquals(INACTIVE, introspect(ourShape(new ECDSASigner((ECPrivateKey) key.privateKey()),
                new Date(System.currentTimeMillis() - 1000), ISSUER)));
    }

    @Test
    void aTokenOfAnotherIssuerIsInactiveEvenWithOurKey() throws Exception {
        SigningKey key = keys.signingKey();
        assertEquals(INACTIVE, introspect(ourShape(new ECDSASigner((ECPrivateKey) key.privateKey()),
                new Date(System.currentTimeMillis() + 60_000), "https://evil.example")));
    }

    @Test
    void ourKeyAndShapeVerifyWhenValid() throws Exception {
        SigningKey key = keys.signingKey();
        worker().formParam("token", ourShape(new ECDSASigner((ECPrivateKey) key.privateKey()),
                        new Date(System.currentTimeMillis() + 60_000), ISSUER))
                .post("/introspect").then().statusCode(200).body("active", equalTo(true));
    }

    private String ourShape(ECDSASigner signer, Date exp, String issuer) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("at+jwt"))
                .keyID(keys.signingKey().kid()).build(),
                new JWTClaimsSet.Builder().issuer(issuer).subject(WORKER).audience(Fixtures.INVOICES)
                        .expirationTime(exp).issueTime(new Date()).jwtID("crafted-" + System.nanoTime())
                        .claim("client_id", WORKER).build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    @Test
    void introspectionNeedsAnAuthenticatedConfidentialClient() {
        String token = workerToken();
        form().formParam("token", token).post("/introspect")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
        form().formParam("client_id", "tv-app").formParam("token", token).post("/introspect")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
        form().auth().preemptive().basic(WORKER, "wrong-wrong-wrong-wrong-wrong-wrong").formParam("token", token)
                .post("/introspect").then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void introspectionWithoutTokenIsInvalidRequest() {
        worker().post("/introspect").then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("parameter 'token' is required"));
    }

    @Test
    void aRevokedTokenIsInactive() {
        String token = workerToken();
        worker().formParam("token", token).formParam("token_type_hint", "access_token").post("/revoke")
                .then().statusCode(200).header("Cache-Control", "no-store");
        assertEquals(INACTIVE, introspect(token));
        // revoking twice is fine (RFC 7009 §2.2)
        worker().formParam("token", token).post("/revoke").then().statusCode(200);
    }

    @Test
    void revokingAnUnknownTokenIs200() {
        worker().formParam("token", "not-a-token").post("/revoke").then().statusCode(200);
    }

    @Test
    void aClientCannotRevokeAnotherClientsToken() {
        String token = workerToken();
        form().formParam("client_id", Fixtures.POST_WORKER).formParam("client_secret", Fixtures.POST_WORKER_SECRET)
                .formParam("token", token).post("/revoke")
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("the token was not issued to this client"));
        worker().formParam("token", token).post("/introspect").then().body("active", equalTo(true));
    }

    @Test
    void revocationNeedsClientAuthentication() {
        form().formParam("token", workerToken()).post("/revoke")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }
}
