package dev.tokenservices.orchestrator.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.IdTokens;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.Pushes;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.testsupport.DpopProofs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * DPoP (RFC 9449) at the orchestrator: codes bound with {@code dpop_jkt} or a proof at /par, tokens
 * bound at /token (the API tokens from the token service too), public clients' refresh tokens bound,
 * and /userinfo taking a bound token only with its proof. Proofs are signed with Nimbus
 * ({@link DpopProofs}), apart from the verifier's code.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class DpopTokenTest {

    private static final String ISSUER = "http://localhost:8082";
    private static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

    private static String proof(ECKey key, String path) {
        return DpopProofs.proof(key, "POST", ISSUER + path).sign();
    }

    private static Response redeem(RequestSpecification client, String redirectUri, Logins.Login login, String proof) {
        if (proof != null) {
            client.header(DpopVerifier.HEADER, proof);
        }
        return client.formParam("grant_type", "authorization_code").formParam("code", login.code())
                .formParam("redirect_uri", redirectUri).formParam("code_verifier", login.verifier()).post("/token");
    }

    private static RequestSpecification testApp() {
        return given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET);
    }

    private static Logins.Login loginBoundTo(ECKey key, String sub) {
        return Logins.login(Logins.APP, Logins.REDIRECT, Logins.SCOPE, sub, null, Map.of("dpop_jkt", DpopProofs.thumbprint(key)));
    }

    private static JWTClaimsSet claims(String jwt) throws Exception {
        return SignedJWT.parse(jwt).getJWTClaimsSet();
    }

    @SuppressWarnings("unchecked")
    private static String jkt(JWTClaimsSet claims) {
        Object cnf = claims.getClaim("cnf");
        return cnf instanceof Map<?, ?> map ? (String) ((Map<String, Object>) map).get("jkt") : null;
    }

    private static List<Map<String, String>> exchangesSince(int since) {
        List<Map<String, String>> all = TestWorld.tokenService.requests;
        return all.subList(since, all.size()).stream().filter(r -> TOKEN_EXCHANGE.equals(r.get("grant_type"))).toList();
    }

    /** Every API token of a token response, bound to {@code jkt}, as DPoP tokens. */
    private static void assertApiTokensBound(JsonPath tokens, String jkt) throws Exception {
        Map<String, Map<String, Object>> perResource = tokens.getMap("access_tokens");
        assertFalse(perResource.isEmpty());
        for (Map.Entry<String, Map<String, Object>> api : perResource.entrySet()) {
            assertEquals("DPoP", api.getValue().get("token_type"), api.getKey());
            assertEquals(jkt, jkt(claims((String) api.getValue().get("access_token"))), api.getKey());
        }
    }

    @Test
    void aCodeBoundWithDpopJktIsRedeemedWithItsKeyAndEveryTokenIsBound() throws Exception {
        ECKey key = DpopProofs.ecKey();
        String jkt = DpopProofs.thumbprint(key);
        int before = TestWorld.tokenService.requests.size();
        Logins.Login login = loginBoundTo(key, "dpop-" + UUID.randomUUID());
        // the key was known at the callback: the token service was asked for bound tokens at once
        List<Map<String, String>> exchanges = exchangesSince(before);
        assertEquals(2, exchanges.size());
        exchanges.forEach(e -> assertEquals(jkt, e.get("dpop_jkt")));
        JsonPath tokens = redeem(testApp(), Logins.REDIRECT, login, proof(key, "/token")).then().statusCode(200)
                .header("Cache-Control", "no-store").extract().jsonPath();
        assertEquals("DPoP", tokens.getString("token_type"));
        JWTClaimsSet accessToken = IdTokens.verified(tokens.getString("access_token"), JWSAlgorithm.ES256);
        assertEquals(jkt, jkt(accessToken));
        assertApiTokensBound(tokens, jkt);
        assertEquals(2, exchangesSince(before).size(), "no second exchange: the tokens were bound already");
        assertNotNull(tokens.getString("refresh_token"));
    }

    @Test
    void aBoundCodeWithoutAProofOrWithAnotherKeysProofIsRefused() {
        ECKey key = DpopProofs.ecKey();
        redeem(testApp(), Logins.REDIRECT, loginBoundTo(key, "dpop-none-" + UUID.randomUUID()), null).then().statusCode(400)
                .body("error", equalTo("invalid_dpop_proof"));
        redeem(testApp(), Logins.REDIRECT, loginBoundTo(key, "dpop-other-" + UUID.randomUUID()), proof(DpopProofs.ecKey(), "/token"))
                .then().statusCode(400).body("error", equalTo("invalid_dpop_proof"));
    }

    @Test
    void aProofFirstShownAtTheTokenEndpointBindsTheApiTokensThenAndTheBearerOnesAreRevoked() throws Exception {
        ECKey key = DpopProofs.ecKey();
        String jkt = DpopProofs.thumbprint(key);
        Logins.Login login = Logins.login("dpop-late-" + UUID.randomUUID());
        int before = TestWorld.tokenService.requests.size();
        int revokedBefore = TestWorld.tokenService.revoked.size();
        JsonPath tokens = redeem(testApp(), Logins.REDIRECT, login, proof(key, "/token")).then().statusCode(200).extract().jsonPath();
        assertEquals("DPoP", tokens.getString("token_type"));
        assertApiTokensBound(tokens, jkt);
        // each API's bearer token was exchanged for a bound one, then revoked
        List<Map<String, String>> rebinds = exchangesSince(before);
        assertEquals(2, rebinds.size());
        for (Map<String, String> rebind : rebinds) {
            assertEquals("urn:ietf:params:oauth:token-type:access_token", rebind.get("subject_token_type"));
            assertEquals(jkt, rebind.get("dpop_jkt"));
            assertTrue(TestWorld.tokenService.revoked.subList(revokedBefore, TestWorld.tokenService.revoked.size())
                    .contains(rebind.get("subject_token")));
        }
        // test-app is confidential: its refresh token is not bound, each refresh binds to the proof it sends
        JsonPath bearer = given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", tokens.getString("refresh_token")).post("/token").then().statusCode(200).extract().jsonPath();
        assertEquals("Bearer", bearer.getString("token_type"));
        assertNull(jkt(claims(bearer.getString("access_token"))));
        bearer.<String, Map<String, Object>>getMap("access_tokens").values().forEach(t -> assertEquals("Bearer", t.get("token_type")));
        ECKey other = DpopProofs.ecKey();
        JsonPath bound = testApp().header(DpopVerifier.HEADER, proof(other, "/token")).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", bearer.getString("refresh_token")).post("/token").then().statusCode(200).extract().jsonPath();
        assertEquals("DPoP", bound.getString("token_type"));
        assertApiTokensBound(bound, DpopProofs.thumbprint(other));
    }

    @Test
    void aTokenServiceThatDoesNotBindGivesNoBearerTokenInstead() {
        ECKey key = DpopProofs.ecKey();
        Logins.Login login = Logins.login("dpop-nobind-" + UUID.randomUUID());
        TestWorld.tokenService.binds = false;
        try {
            redeem(testApp(), Logins.REDIRECT, login, proof(key, "/token")).then().statusCode(500).body("error", equalTo("server_error"));
        } finally {
            TestWorld.tokenService.binds = true;
        }
    }

    @Test
    void aProofAtParBindsTheCodeToItsKey() throws Exception {
        ECKey key = DpopProofs.ecKey();
        String verifier = Logins.verifier();
        Response pushed = Pushes.testApp().header(DpopVerifier.HEADER, proof(key, "/par"))
                .contentType("application/x-www-form-urlencoded").formParams(Pushes.request(verifier, Map.of()))
                .post("/par");
        String uri = Pushes.requestUri(pushed);
        Response back = Logins.atUpstream(Pushes.authorizeWith(Logins.APP, uri), "dpop-par-" + UUID.randomUUID(), null);
        Logins.Login login = new Logins.Login(verifier, "par-state", null, back, null);
        redeem(testApp(), Logins.REDIRECT, login, proof(DpopProofs.ecKey(), "/token")).then().statusCode(400)
                .body("error", equalTo("invalid_dpop_proof"));

        String verifier2 = Logins.verifier();
        String uri2 = Pushes.requestUri(Pushes.testApp().header(DpopVerifier.HEADER, proof(key, "/par"))
                .contentType("application/x-www-form-urlencoded").formParams(Pushes.request(verifier2, Map.of())).post("/par"));
        Response back2 = Logins.atUpstream(Pushes.authorizeWith(Logins.APP, uri2), "dpop-par2-" + UUID.randomUUID(), null);
        JsonPath tokens = redeem(testApp(), Logins.REDIRECT, new Logins.Login(verifier2, "par-state", null, back2, null), proof(key, "/token"))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("DPoP", tokens.getString("token_type"));
        assertApiTokensBound(tokens, DpopProofs.thumbprint(key));
    }

    @Test
    void aParProofMustBeValidAndNameTheKeyDpopJktNames() {
        ECKey key = DpopProofs.ecKey();
        Map<String, String> params = new HashMap<>(Pushes.request(Logins.verifier(), Map.of()));
        params.put("dpop_jkt", DpopProofs.thumbprint(DpopProofs.ecKey()));
        Pushes.testApp().header(DpopVerifier.HEADER, proof(key, "/par")).contentType("application/x-www-form-urlencoded")
                .formParams(params).post("/par").then().statusCode(400).body("error", equalTo("invalid_dpop_proof"));
        // a proof for the token endpoint is not one for /par
        Pushes.testApp().header(DpopVerifier.HEADER, proof(key, "/token")).contentType("application/x-www-form-urlencoded")
                .formParams(Pushes.request(Logins.verifier(), Map.of())).post("/par").then().statusCode(400)
                .body("error", equalTo("invalid_dpop_proof"));
        params.put("dpop_jkt", "not-a-thumbprint");
        Pushes.testApp().contentType("application/x-www-form-urlencoded").formParams(params).post("/par")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void aPublicClientsRefreshTokenIsBoundToItsKey() throws Exception {
        ECKey key = DpopProofs.ecKey();
        String verifier = Logins.verifier();
        String uri = Pushes.requestUri(given().header(DpopVerifier.HEADER, proof(key, "/par"))
                .contentType("application/x-www-form-urlencoded").formParams(Pushes.request(verifier, Map.of(
                        "client_id", "par-app", "redirect_uri", "https://par.example/cb", "scope", "openid invoices.read")))
                .post("/par"));
        Response back = Logins.atUpstream(Pushes.authorizeWith("par-app", uri), "dpop-pub-" + UUID.randomUUID(), null);
        Logins.Login login = new Logins.Login(verifier, "par-state", null, back, null);
        JsonPath tokens = redeem(given().formParam("client_id", "par-app"), "https://par.example/cb", login, proof(key, "/token"))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("DPoP", tokens.getString("token_type"));
        String refreshToken = tokens.getString("refresh_token");
        // with the key: a new bound token pair, the API's token bound too (exchanged, as the refresh binds nothing)
        JsonPath refreshed = given().header(DpopVerifier.HEADER, proof(key, "/token")).formParam("client_id", "par-app")
                .formParam("grant_type", "refresh_token").formParam("refresh_token", refreshToken).post("/token").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("DPoP", refreshed.getString("token_type"));
        assertApiTokensBound(refreshed, DpopProofs.thumbprint(key));
        // stolen: presented without the key, or with another, it fails and ends the family
        int revokedBefore = TestWorld.tokenService.revoked.size();
        given().formParam("client_id", "par-app").formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refreshed.getString("refresh_token")).post("/token").then().statusCode(400)
                .body("error", equalTo("invalid_grant"));
        assertTrue(TestWorld.tokenService.revoked.size() > revokedBefore, "the family's refresh tokens at the token service were revoked");
        given().header(DpopVerifier.HEADER, proof(key, "/token")).formParam("client_id", "par-app").formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refreshed.getString("refresh_token")).post("/token").then().statusCode(400)
                .body("error", equalTo("invalid_grant"));
    }

    @Test
    void aClientRegisteredForBoundTokensMustSendAProof() {
        Logins.Login login = Logins.login("dpop-app", "https://dpop.example/cb", "openid email", "dpop-must-" + UUID.randomUUID(), null);
        redeem(given().auth().preemptive().basic("dpop-app", "dpop-app-secret-0123456789abcdefghijk"), "https://dpop.example/cb", login, null)
                .then().statusCode(400).body("error", equalTo("invalid_dpop_proof"));
    }

    @Test
    void aReplayedProofIsRefusedAtTheTokenEndpoint() {
        ECKey key = DpopProofs.ecKey();
        String once = proof(key, "/token");
        redeem(testApp(), Logins.REDIRECT, Logins.login("dpop-replay-" + UUID.randomUUID()), once).then().statusCode(200);
        redeem(testApp(), Logins.REDIRECT, Logins.login("dpop-replay2-" + UUID.randomUUID()), once).then().statusCode(400)
                .body("error", equalTo("invalid_dpop_proof"));
    }

    @Test
    void userinfoTakesABoundTokenOnlyWithItsProof() {
        ECKey key = DpopProofs.ecKey();
        String sub = "dpop-ui-" + UUID.randomUUID();
        String accessToken = redeem(testApp(), Logins.REDIRECT, loginBoundTo(key, sub), proof(key, "/token")).then().statusCode(200)
                .extract().jsonPath().getString("access_token");
        String url = ISSUER + "/userinfo";
        given().header("Authorization", "DPoP " + accessToken)
                .header(DpopVerifier.HEADER, DpopProofs.proof(key, "GET", url).accessToken(accessToken).sign())
                .get("/userinfo").then().statusCode(200).body("sub", equalTo(sub)).body("email", equalTo(sub + "@example.com"));
        given().header("Authorization", "DPoP " + accessToken)
                .header(DpopVerifier.HEADER, DpopProofs.proof(key, "POST", url).accessToken(accessToken).sign())
                .post("/userinfo").then().statusCode(200).body("sub", equalTo(sub));
        // as a bearer token, in the header or the body: refused, with the DPoP challenge
        given().auth().oauth2(accessToken).get("/userinfo").then().statusCode(401)
                .header("WWW-Authenticate", startsWith("DPoP realm=\"orchestrator\", error=\"invalid_token\""))
                .body("error", equalTo("invalid_token"));
        given().contentType("application/x-www-form-urlencoded").formParam("access_token", accessToken).post("/userinfo")
                .then().statusCode(401).body("error", equalTo("invalid_token"));
        // without a proof, with another key's, without ath, for another method, or replayed
        assertDpopRefused(accessToken, null);
        assertDpopRefused(accessToken, DpopProofs.proof(DpopProofs.ecKey(), "GET", url).accessToken(accessToken).sign());
        assertDpopRefused(accessToken, DpopProofs.proof(key, "GET", url).sign());
        assertDpopRefused(accessToken, DpopProofs.proof(key, "POST", url).accessToken(accessToken).sign());
        String once = DpopProofs.proof(key, "GET", url).accessToken(accessToken).sign();
        given().header("Authorization", "DPoP " + accessToken).header(DpopVerifier.HEADER, once).get("/userinfo").then().statusCode(200);
        assertDpopRefused(accessToken, once);
    }

    private static void assertDpopRefused(String accessToken, String proof) {
        RequestSpecification request = given().header("Authorization", "DPoP " + accessToken);
        if (proof != null) {
            request.header(DpopVerifier.HEADER, proof);
        }
        request.get("/userinfo").then().statusCode(401).header("Cache-Control", "no-store")
                .header("WWW-Authenticate", startsWith("DPoP realm=\"orchestrator\", error=\"invalid_dpop_proof\""))
                .body("error", equalTo("invalid_dpop_proof"));
    }

    @Test
    void userinfoRefusesABearerTokenWithTheDpopSchemeAndOffersBothSchemes() {
        Logins.Login login = Logins.login("dpop-bearer2-" + UUID.randomUUID());
        String bearer = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath().getString("access_token");
        given().header("Authorization", "DPoP " + bearer)
                .header(DpopVerifier.HEADER, DpopProofs.proof(DpopProofs.ecKey(), "GET", ISSUER + "/userinfo").accessToken(bearer).sign())
                .get("/userinfo").then().statusCode(401).body("error", equalTo("invalid_token"));
        List<String> challenges = given().get("/userinfo").then().statusCode(401).extract().headers().getValues("WWW-Authenticate");
        assertEquals("Bearer realm=\"orchestrator\"", challenges.get(0));
        assertTrue(challenges.get(1).startsWith("DPoP realm=\"orchestrator\", algs=\""), challenges.toString());
    }

    @Test
    void discoveryListsTheProofAlgorithms() {
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("dpop_signing_alg_values_supported", equalTo(DpopVerifier.ALGORITHMS));
    }

    @Test
    void aMalformedDpopJktAtAuthorizeIsInvalidRequestAtTheClient() {
        Response response = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "s-jkt", "n", null,
                Map.of("dpop_jkt", "abc"));
        assertEquals("invalid_request", Forms.query(response.header("Location")).get("error"));
    }
}
