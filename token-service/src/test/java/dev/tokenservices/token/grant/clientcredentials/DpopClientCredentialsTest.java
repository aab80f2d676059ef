package dev.tokenservices.token.grant.clientcredentials;

import static dev.tokenservices.token.support.Fixtures.ISSUER;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static dev.tokenservices.token.support.Fixtures.worker;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.testsupport.DpopProofs;
import dev.tokenservices.token.dpop.DpopVerifiers;
import dev.tokenservices.token.support.Fixtures;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * DPoP (RFC 9449) at /token with client_credentials, proofs signed by Nimbus: a proof binds the token
 * ({@code cnf.jkt}, {@code token_type: DPoP}), no proof is Bearer as before, and every hostile proof
 * is {@code 400 invalid_dpop_proof} with a description.
 */
@QuarkusTest
class DpopClientCredentialsTest {

    static final String TOKEN_URL = ISSUER + "/token";

    @TestHTTPResource("token")
    URL actualUrl;

    @Inject
    RedisDataSource redis;

    private final ECKey key = DpopProofs.ecKey();

    private DpopProofs.Builder proof() {
        return DpopProofs.proof(key, "POST", TOKEN_URL);
    }

    private static Response token(String... proofs) {
        var request = worker().formParam("grant_type", "client_credentials");
        for (String proof : proofs) {
            request.header("DPoP", proof);
        }
        return request.post("/token");
    }

    private static void invalid(Response response, String descriptionPart) {
        response.then().statusCode(400).header("Cache-Control", "no-store")
                .body("error", equalTo("invalid_dpop_proof"))
                .body("error_description", containsString(descriptionPart));
    }

    @Test
    void aValidProofBindsTheTokenToItsKey() throws Exception {
        Response response = token(proof().sign());
        response.then().statusCode(200).body("token_type", equalTo("DPoP"));
        JWTClaimsSet claims = verify(response.path("access_token"));
        assertEquals(Map.of("jkt", DpopProofs.thumbprint(key)), claims.getJSONObjectClaim("cnf"), "RFC 7638 computed independently");
    }

    @Test
    void withoutAProofTheTokenIsBearerWithoutCnf() throws Exception {
        Response response = token();
        response.then().statusCode(200).body("token_type", equalTo("Bearer"));
        assertNull(verify(response.path("access_token")).getClaim("cnf"));
    }

    @Test
    void rsaAndEd25519KeysBindToo() throws Exception {
        for (var builder : List.of(DpopProofs.proof(DpopProofs.rsaKey(2048), "POST", TOKEN_URL).alg("RS256"),
                DpopProofs.proof(DpopProofs.ed25519Key(), "POST", TOKEN_URL))) {
            Response response = token(builder.sign());
            response.then().statusCode(200).body("token_type", equalTo("DPoP"));
            assertEquals(DpopProofs.thumbprint(builder.key()), verify(response.path("access_token")).getJSONObjectClaim("cnf").get("jkt"));
        }
    }

    @Test
    void theProofsHtuIsThePublishedEndpointNotTheHostTheRequestReached() {
        assertTrue(!actualUrl.toString().startsWith(ISSUER), "the test server is not at the issuer's address: " + actualUrl);
        invalid(token(DpopProofs.proof(key, "POST", actualUrl.toString()).sign()), "htu must be " + TOKEN_URL);
        invalid(given().header("Host", "evil.example").contentType("application/x-www-form-urlencoded").auth().preemptive()
                .basic(Fixtures.WORKER, Fixtures.WORKER_SECRET).header("DPoP", DpopProofs.proof(key, "POST", "http://evil.example/token").sign())
                .formParam("grant_type", "client_credentials").post("/token"), "htu must be " + TOKEN_URL);
    }

    @Test
    void hostileProofsAreInvalidDpopProof() {
        invalid(token(proof().claim("htm", "GET").sign()), "htm must be POST");
        invalid(token(proof().claim("htu", ISSUER + "/introspect").sign()), "htu");
        invalid(token(proof().iat(java.time.Instant.now().minusSeconds(600)).sign()), "too old");
        invalid(token(proof().iat(java.time.Instant.now().plusSeconds(600)).sign()), "in the future");
        invalid(token(proof().signedBy(DpopProofs.ecKey()).sign()), "signature");
        invalid(token(proof().alg("none").sign()), "alg must be one of");
        invalid(token(proof().alg("HS256").macSecret(new byte[32]).sign()), "alg must be one of");
        invalid(token(proof().header("jwk", key.toJSONObject()).sign()), "private member d");
        invalid(token(proof().header("typ", "JWT").sign()), "typ must be dpop+jwt");
        invalid(token(proof().claim("pad", "x".repeat(9000)).sign()), "longer than");
        invalid(token("garbage"), "compact serialization");
    }

    @Test
    void twoDpopHeadersAreRefused() {
        invalid(token(proof().sign(), proof().sign()), "exactly one DPoP header");
    }

    @Test
    void aProofIsUsedOnceEvenByConcurrentRequests() throws Exception {
        String once = proof().sign();
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                statuses.add(pool.submit(() -> {
                    start.await();
                    return token(once).statusCode();
                }));
            }
            start.countDown();
            int ok = 0;
            for (Future<Integer> status : statuses) {
                int s = status.get();
                assertTrue(s == 200 || s == 400, "status " + s);
                ok += s == 200 ? 1 : 0;
            }
            assertEquals(1, ok, "exactly one of the requests with the same proof gets a token");
        } finally {
            pool.shutdownNow();
        }
        invalid(token(once), "already been used");
    }

    @Test
    void usedProofIdsAreKeptHashedAndExpiring() {
        String jti = "jti-in-clear-" + System.nanoTime();
        token(proof().jti(jti).sign()).then().statusCode(200);
        List<String> keys = redis.key(String.class).keys(DpopVerifiers.JTI_PREFIX + "*");
        assertTrue(keys.stream().noneMatch(k -> k.contains(jti)), "no jti in clear");
        String record = DpopVerifiers.JTI_PREFIX + dev.tokenservices.shared.crypto.Hashes.sha256Hex(DpopProofs.thumbprint(key) + "\n" + jti);
        long ttl = redis.key(String.class).pttl(record);
        assertTrue(ttl > 0 && ttl <= 65_000, "expires with the iat window: " + ttl);
    }

    @Test
    void aClientRegisteredDpopBoundMustSendAProof() throws Exception {
        form().auth().preemptive().basic("dpop-worker", "dpop-worker-secret-0123456789abcdefgh")
                .formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_dpop_proof"))
                .body("error_description", containsString("dpop_bound_access_tokens"));
        String token = form().auth().preemptive().basic("dpop-worker", "dpop-worker-secret-0123456789abcdefgh")
                .header("DPoP", proof().sign()).formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(200).body("token_type", equalTo("DPoP")).extract().path("access_token");
        assertEquals(DpopProofs.thumbprint(key), verify(token).getJSONObjectClaim("cnf").get("jkt"));
    }

    @Test
    void introspectionSaysDpopAndNamesTheKey() {
        String bound = token(proof().sign()).then().statusCode(200).extract().path("access_token");
        worker().formParam("token", bound).post("/introspect").then().statusCode(200)
                .body("active", equalTo(true)).body("token_type", equalTo("DPoP"))
                .body("cnf.jkt", equalTo(DpopProofs.thumbprint(key)));
        String bearer = token().then().statusCode(200).extract().path("access_token");
        worker().formParam("token", bearer).post("/introspect").then().statusCode(200)
                .body("token_type", equalTo("Bearer")).body("cnf", nullValue());
    }

    @Test
    void discoveryListsTheProofAlgorithms() {
        given().get("/.well-known/oauth-authorization-server").then().statusCode(200)
                .body("dpop_signing_alg_values_supported", hasItems("ES256", "RS256", "PS256", "EdDSA"));
    }
}
