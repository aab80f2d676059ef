package dev.tokenservices.token.support;

import static io.restassured.RestAssured.given;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.restassured.specification.RequestSpecification;

/** The test registry's clients and helpers to check tokens the way a resource server would. */
public final class Fixtures {

    public static final String ISSUER = "http://localhost:8081";
    public static final String WORKER = "test-worker";
    public static final String WORKER_SECRET = "test-worker-secret-0123456789abcdef";
    public static final String POST_WORKER = "post-worker";
    public static final String POST_WORKER_SECRET = "post-worker-secret-0123456789abcdefgh";
    public static final String NARROW_WORKER = "narrow-worker";
    public static final String NARROW_WORKER_SECRET = "narrow-worker-secret-0123456789abcdef";
    public static final String EXCHANGER = "exchanger";
    public static final String EXCHANGER_SECRET = "exchanger-secret-0123456789abcdefghij";
    public static final String INVOICES = "https://api.example/invoices";
    public static final String MEDIA = "https://api.example/media";

    private Fixtures() {
    }

    public static RequestSpecification form() {
        return given().contentType("application/x-www-form-urlencoded");
    }

    public static RequestSpecification worker() {
        return form().auth().preemptive().basic(WORKER, WORKER_SECRET);
    }

    public static String workerToken(String... params) {
        RequestSpecification request = worker().formParam("grant_type", "client_credentials");
        for (int i = 0; i + 1 < params.length; i += 2) {
            request.formParam(params[i], params[i + 1]);
        }
        return request.post("/token").then().statusCode(200).extract().path("access_token");
    }

    /** Verifies the signature against the published JWKS, as a resource server does, and returns the claims. */
    public static JWTClaimsSet verify(String token) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        JWKSet jwks = JWKSet.parse(given().get("/jwks").then().statusCode(200).extract().asString());
        JWK key = jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
        if (key == null) {
            throw new AssertionError("kid " + jwt.getHeader().getKeyID() + " is not in /jwks");
        }
        JWSVerifier verifier = new DefaultJWSVerifierFactory().createJWSVerifier(jwt.getHeader(), ((AsymmetricJWK) key).toPublicKey());
        if (!jwt.verify(verifier)) {
            throw new AssertionError("signature does not verify against /jwks");
        }
        return jwt.getJWTClaimsSet();
    }
}
