package dev.tokenservices.token.grant.tokenexchange;

import static dev.tokenservices.token.support.Fixtures.EXCHANGER;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER_SECRET;
import static dev.tokenservices.token.support.Fixtures.ISSUER;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static dev.tokenservices.token.support.Fixtures.worker;
import static dev.tokenservices.token.support.Fixtures.workerToken;
import static dev.tokenservices.token.support.TestWorld.authorities;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 8693 token exchange with the scope-authority fan-out, against real HTTP authorities and a real issuer. */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class TokenExchangeGrantTest {

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

    static ValidatableResponse exchange(String subjectToken, String subjectType, String scope, String... more) {
        var request = form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", GRANT)
                .formParam("subject_token", subjectToken)
                .formParam("subject_token_type", subjectType);
        if (scope != null) {
            request.formParam("scope", scope);
        }
        for (int i = 0; i + 1 < more.length; i += 2) {
            request.formParam(more[i], more[i + 1]);
        }
        return request.post("/token").then();
    }

    static ValidatableResponse exchange(String idToken, String scope) {
        return exchange(idToken, ID_TOKEN, scope);
    }

    @Test
    void anIdTokenIsExchangedForAnAccessTokenCarryingTheUpstreamIdentity() throws Exception {
        String token = exchange(issuer.idToken("ann-001"), "acc.read acc.write")
                .statusCode(200)
                .header("Cache-Control", "no-store")
                .body("issued_token_type", equalTo(ACCESS_TOKEN))
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("acc.read acc.write"))
                .body("expires_in", equalTo(300))
                .extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals("ann-001", claims.getSubject());
        assertEquals(issuer.issuer(), claims.getStringClaim("idp"));
        assertEquals(ISSUER, claims.getIssuer());
        assertEquals(List.of("https://api.example/accept"), claims.getAudience());
        assertEquals(EXCHANGER, claims.getStringClaim("client_id"));
    }

    @Test
    void theAuthorityReceivesTheContractRequestAndItsModifyNarrowsAndAddsClaims() throws Exception {
        String token = exchange(issuer.idToken("bob-002"), "mod.read mod.write").statusCode(200)
                .body("scope", equalTo("mod.read")).extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals(Map.of("plan", "gold"), claims.getJSONObjectClaim("https://api.example/modify"));
        JsonNode sent = new ObjectMapper().readTree(authorities.bodyOf("modify"));
        assertEquals("https://api.example/modify", sent.get("resource").asText());
        assertEquals(EXCHANGER, sent.get("client_id").asText());
        assertEquals(GRANT, sent.get("grant_type").asText());
        assertEquals("bob-002", sent.get("subject").asText());
        assertEquals(issuer.issuer(), sent.get("issuer").asText());
        assertEquals("[\"mod.read\",\"mod.write\"]", sent.get("requested_scopes").toString());
        assertEquals("bob-002@example.com", sent.get("claims").get("email").asText());
        assertEquals(null, sent.get("claims").get("nonce"), "protocol claims are not forwarded");
    }

    @Test
    void severalResourcesGiveOneTokenWhoseAudListsThose_thatGrantedSomething() throws Exception {
        String token = exchange(issuer.idToken("ann-001"), "acc.read rej.read mod.write invoices.read")
                .statusCode(200).body("scope", equalTo("acc.read invoices.read")).extract().path("access_token");
        assertEquals(List.of("https://api.example/accept", "https://api.example/invoices"), verify(token).getAudience());
    }

    @Test
    void nothingGrantedIsInvalidScope() {
        exchange(issuer.idToken("ann-001"), "rej.read").statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("none of the requested scopes was granted"))
                .body("access_token", nullValue());
    }

    @Test
    void anAuthorityCanNeverWiden() {
        exchange(issuer.idToken("ann-001"), "wid.read").statusCode(200).body("scope", equalTo("wid.read"));
    }

    @Test
    void failingAuthoritiesUnderDropLoseOnlyTheirOwnScopes() {
        exchange(issuer.idToken("ann-001"), "to.read brk.read gbg.read acc.read")
                .statusCode(200).time(lessThan(1000L))
                .body("scope", equalTo("acc.read"));
    }

    @Test
    void aFailingAuthorityUnderDenyIs503AndNoToken() {
        exchange(issuer.idToken("ann-001"), "crit.read acc.read").statusCode(503)
                .header("Cache-Control", "no-store")
                .body("error", equalTo("temporarily_unavailable"))
                .body("access_token", nullValue());
    }

    @Test
    void authoritiesAreAskedInParallel() {
        exchange(issuer.idToken("ann-001"), "slow1.read").statusCode(200); // warm the connection pool
        long start = System.nanoTime();
        exchange(issuer.idToken("ann-001"), "slow1.read slow2.read slow3.read").statusCode(200)
                .body("scope", equalTo("slow1.read slow2.read slow3.read"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        // three authorities answering after 300 ms each: in sequence this would take 900 ms or more
        assertTrue(millis < 850, "fan-out took " + millis + " ms");
    }

    @Test
    void aDeadAuthorityTripsItsCircuitAndIsNoLongerCalled() {
        for (int i = 0; i < 5; i++) {
            exchange(issuer.idToken("ann-001"), "flaky.read acc.read").statusCode(200).body("scope", equalTo("acc.read"));
        }
        int calls = authorities.calls.get("flaky").get();
        for (int i = 0; i < 5; i++) {
            exchange(issuer.idToken("ann-001"), "flaky.read acc.read").statusCode(200).body("scope", equalTo("acc.read"));
        }
        assertEquals(calls, authorities.calls.get("flaky").get(), "an open circuit sends nothing");
        io.restassured.RestAssured.given().get(metrics).then()
                .body(containsString("ts_authority_circuit_open{resource=\"https://api.example/flaky\"} 1.0"));
    }

    @Test
    void decisionsAreMetered() {
        exchange(issuer.idToken("ann-001"), "mod.read").statusCode(200);
        io.restassured.RestAssured.given().get(metrics).then()
                .body(containsString("ts_authority_request_seconds_count{outcome=\"modify\",resource=\"https://api.example/modify\"}"))
                .body(containsString("ts_tokens_issued_total{client_id=\"exchanger\",grant_type=\"" + GRANT + "\"}"));
    }

    @Test
    void withoutScopeTheClientsAllowanceIsAskedFor() {
        exchange(issuer.idToken("ann-001"), ID_TOKEN, null, "resource", "https://api.example/accept")
                .statusCode(200).body("scope", equalTo("acc.read acc.write"));
    }

    @Test
    void anUnknownResourceOrAudienceIsInvalidTarget() {
        exchange(issuer.idToken("ann-001"), ID_TOKEN, "acc.read", "audience", "https://api.example/nowhere")
                .statusCode(400).body("error", equalTo("invalid_target"));
    }

    @Test
    void aClientWithoutTheGrantIsUnauthorizedClient() {
        worker().formParam("grant_type", GRANT).formParam("subject_token", issuer.idToken("ann-001"))
                .formParam("subject_token_type", ID_TOKEN).post("/token")
                .then().statusCode(400).body("error", equalTo("unauthorized_client"));
    }

    @Test
    void missingOrUnsupportedParametersAreInvalidRequest() {
        form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET).formParam("grant_type", GRANT)
                .formParam("subject_token_type", ID_TOKEN).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("parameter 'subject_token' is required"));
        exchange(issuer.idToken("ann-001"), "urn:ietf:params:oauth:token-type:saml2", "acc.read")
                .statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", containsString("subject_token_type"));
        exchange(issuer.idToken("ann-001"), ID_TOKEN, "acc.read", "requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token")
                .statusCode(400).body("error", equalTo("invalid_request"));
        exchange(issuer.idToken("ann-001"), ID_TOKEN, "acc.read", "actor_token", workerToken())
                .statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("actor_token and actor_token_type must be sent together"));
    }

    @Test
    void anUnreachableIssuerIs503() {
        String token = issuer.sign(issuer.claims("ann-001").issuer(TestWorld.downIssuer).build(), h -> { });
        exchange(token, "acc.read").statusCode(503).time(lessThan(5000L)).body("error", equalTo("temporarily_unavailable"));
    }

    @Test
    void aUserLoginGivesAClientThatMayRefreshARotatingRefreshToken() throws Exception {
        String refresh = exchange(issuer.idToken("ann-001"), "acc.read").statusCode(200)
                .body("refresh_token", org.hamcrest.Matchers.notNullValue()).extract().path("refresh_token");
        String token = form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", "refresh_token").formParam("refresh_token", refresh)
                .post("/token").then().statusCode(200).body("scope", equalTo("acc.read"))
                .extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals("ann-001", claims.getSubject());
        assertEquals(issuer.issuer(), claims.getStringClaim("idp"));
    }

    @Test
    void exchangingOurOwnTokenGivesNoRefreshToken() {
        exchange(workerToken("scope", "invoices.read"), ACCESS_TOKEN, "invoices.read").statusCode(200)
                .body("refresh_token", nullValue());
    }

    // ---- our own access tokens as subjects, delegation

    @Test
    void ourOwnAccessTokenCanBeNarrowed() throws Exception {
        String subject = workerToken("scope", "invoices.read invoices.write");
        String token = exchange(subject, ACCESS_TOKEN, "invoices.read").statusCode(200)
                .body("scope", equalTo("invoices.read")).extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals("test-worker", claims.getSubject());
        assertTrue(claims.getExpirationTime().getTime() <= verify(subject).getExpirationTime().getTime(),
                "exchange never outlives the subject token");
    }

    @Test
    void exchangeCannotWidenOurOwnToken() {
        exchange(workerToken("scope", "media.play"), ACCESS_TOKEN, "invoices.read").statusCode(400)
                .body("error", equalTo("invalid_scope"));
    }

    @Test
    void aRevokedSubjectTokenIsInvalidRequest() {
        String subject = workerToken("scope", "invoices.read");
        worker().formParam("token", subject).post("/revoke").then().statusCode(200);
        exchange(subject, ACCESS_TOKEN, "invoices.read").statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("subject_token is not acceptable: it has been revoked"));
    }

    @jakarta.inject.Inject
    dev.tokenservices.token.keys.KeyManager keys;

    /** One of our access tokens that names who may act for its subject (RFC 8693 §4.4). */
    private String ownTokenWithMayAct(String mayActSub) throws Exception {
        var key = keys.signingKey();
        var jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.ES256)
                .type(new com.nimbusds.jose.JOSEObjectType("at+jwt")).keyID(key.kid()).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).subject("carol-003").audience("https://api.example/invoices")
                        .expirationTime(new java.util.Date(System.currentTimeMillis() + 120_000)).issueTime(new java.util.Date())
                        .jwtID("may-act-" + System.nanoTime()).claim("client_id", "test-worker").claim("scope", "invoices.read")
                        .claim("may_act", Map.of("sub", mayActSub, "iss", ISSUER)).build());
        jwt.sign(new com.nimbusds.jose.crypto.ECDSASigner((java.security.interfaces.ECPrivateKey) key.privateKey()));
        return jwt.serialize();
    }

    @Test
    void mayActAdmitsOnlyTheNamedActor() throws Exception {
        exchange(ownTokenWithMayAct("someone-else"), ACCESS_TOKEN, "invoices.read",
                "actor_token", workerToken(), "actor_token_type", ACCESS_TOKEN)
                .statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("actor_token is not acceptable: the subject token's may_act does not name this actor"));
        String token = exchange(ownTokenWithMayAct("test-worker"), ACCESS_TOKEN, "invoices.read",
                "actor_token", workerToken(), "actor_token_type", ACCESS_TOKEN)
                .statusCode(200).extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals("carol-003", claims.getSubject());
        assertEquals("test-worker", claims.getJSONObjectClaim("act").get("sub"));
    }

    @Test
    void anActorTokenIsRecordedAsAct() throws Exception {
        String token = exchange(issuer.idToken("ann-001"), ID_TOKEN, "acc.read",
                "actor_token", workerToken(), "actor_token_type", ACCESS_TOKEN)
                .statusCode(200).extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals("ann-001", claims.getSubject());
        assertEquals(Map.of("sub", "test-worker", "iss", ISSUER), claims.getJSONObjectClaim("act"));
    }
}
