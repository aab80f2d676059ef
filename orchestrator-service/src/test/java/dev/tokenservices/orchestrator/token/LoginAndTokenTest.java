package dev.tokenservices.orchestrator.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.support.FakeTokenService;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.IdTokens;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class LoginAndTokenTest {

    static final String ISSUER = "http://localhost:8082";

    @AfterEach
    void reset() {
        TestWorld.tokenService.mode = FakeTokenService.Mode.NORMAL;
    }

    /** An id_token of test-app, which names no id_token_signed_response_alg: RS256. */
    private static JWTClaimsSet verified(String idToken) throws Exception {
        return IdTokens.verified(idToken, JWSAlgorithm.RS256);
    }

    @Test
    void aLoginEndsAtTheClientWithCodeStateAndIss() {
        Logins.Login login = Logins.login("u-1");
        assertEquals(302, login.callback().statusCode());
        Map<String, String> q = login.result();
        assertTrue(login.callback().header("Location").startsWith(Logins.REDIRECT + "?"));
        assertNotNull(q.get("code"));
        assertEquals(login.state(), q.get("state"));
        assertEquals(ISSUER, q.get("iss"));
        assertNotNull(login.sessionCookie());
        String setCookie = login.callback().header("Set-Cookie");
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"), setCookie);
    }

    @Test
    void redemptionReturnsMintedIdTokenUpstreamIdTokenAndAccessTokensPerResource() throws Exception {
        Logins.Login login = Logins.login("u-2");
        Response response = Logins.redeem(login.code(), login.verifier());
        response.then().statusCode(200).header("Cache-Control", "no-store").body("token_type", equalTo("Bearer"));
        JsonPath json = response.jsonPath();
        JWTClaimsSet id = verified(json.getString("id_token"));
        assertEquals(ISSUER, id.getIssuer());
        assertEquals(List.of("test-app"), id.getAudience());
        assertEquals("test-app", id.getClaim("azp"));
        assertEquals(login.nonce(), id.getClaim("nonce"));
        assertEquals("u-2", id.getSubject());
        assertEquals(TestWorld.upstream.issuer(), id.getClaim("idp"));
        // what the scope values stand for is at /userinfo (an access token is issued), not in the id_token (OIDC Core §5.4)
        assertNull(id.getClaim("email"));
        assertNull(id.getClaim("name"));
        given().auth().oauth2(json.getString("access_token")).get("/userinfo").then().statusCode(200)
                .body("email", equalTo("u-2@example.com")).body("name", equalTo("Test u-2"));
        assertEquals("urn:test:pwd", id.getClaim("acr"));
        assertEquals(List.of("pwd"), id.getClaim("amr"));
        assertNotNull(id.getClaim("auth_time"));
        assertNotNull(id.getClaim("at_hash"));
        assertNull(id.getClaim("groups"), "only standard claims are copied");
        SignedJWT upstream = SignedJWT.parse(json.getString("upstream_id_token"));
        assertEquals(TestWorld.upstream.issuer(), upstream.getJWTClaimsSet().getIssuer());
        assertEquals("openid profile email invoices.read media.play", json.getString("scope"));
        assertNotNull(json.getString("refresh_token"));
        assertEquals("invoices.read", json.getString("access_tokens.'https://api.example/invoices'.scope"));
        assertEquals("media.play", json.getString("access_tokens.'https://api.example/media'.scope"));
        // the exchanges: the upstream id_token, one per resource with that resource's API scopes only, as the orchestrator
        Map<String, String> scopeByResource = new java.util.HashMap<>();
        for (Map<String, String> exchange : TestWorld.tokenService.requests) {
            if (json.getString("upstream_id_token").equals(exchange.get("subject_token"))) {
                assertEquals("urn:ietf:params:oauth:token-type:id_token", exchange.get("subject_token_type"));
                assertTrue(exchange.get("authorization").startsWith("Basic "));
                scopeByResource.put(exchange.get("resource"), exchange.get("scope"));
            }
        }
        assertEquals(Map.of(FakeTokenService.INVOICES, "invoices.read", FakeTokenService.MEDIA, "media.play"), scopeByResource);
    }

    @Test
    void theTopLevelAccessTokenIsTheOrchestratorsAndEachApiTokenHasOneAudience() throws Exception {
        Logins.Login login = Logins.login("u-2b");
        JsonPath json = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
        // RFC 9068: typ at+jwt, signed with the orchestrator's keys, for the orchestrator alone
        String accessToken = json.getString("access_token");
        SignedJWT jwt = SignedJWT.parse(accessToken);
        assertEquals("at+jwt", jwt.getHeader().getType().getType());
        JWTClaimsSet claims = IdTokens.verified(accessToken, JWSAlgorithm.ES256);
        assertEquals(ISSUER, claims.getIssuer());
        assertEquals(List.of(ISSUER), claims.getAudience(), "the top-level token is for /userinfo only");
        assertEquals("u-2b", claims.getSubject());
        assertEquals(TestWorld.upstream.issuer(), claims.getClaim("idp"));
        assertEquals("test-app", claims.getClaim("client_id"));
        assertEquals("openid profile email", claims.getClaim("scope"));
        assertNotNull(claims.getJWTID());
        assertNotNull(claims.getExpirationTime());
        assertEquals(json.getInt("expires_in"), (claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()) / 1000);
        // at_hash of the id_token is over this token (OIDC Core §3.1.3.6, RS256: left half of SHA-256)
        byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(hash, 16)),
                verified(json.getString("id_token")).getClaim("at_hash"));
        // an API checking aud refuses it: no API is among its audiences
        assertFalse(claims.getAudience().contains(FakeTokenService.INVOICES));
        assertFalse(claims.getAudience().contains(FakeTokenService.MEDIA));
        // every token in the response has at most one audience; each API's token names that API alone
        Map<String, Map<String, Object>> perResource = json.getMap("access_tokens");
        assertEquals(java.util.Set.of(FakeTokenService.INVOICES, FakeTokenService.MEDIA), perResource.keySet());
        for (Map.Entry<String, Map<String, Object>> entry : perResource.entrySet()) {
            List<String> aud = SignedJWT.parse((String) entry.getValue().get("access_token")).getJWTClaimsSet().getAudience();
            assertEquals(List.of(entry.getKey()), aud);
            // and an API's token is no key to the orchestrator's /userinfo
            given().auth().oauth2((String) entry.getValue().get("access_token")).get("/userinfo").then().statusCode(401);
        }
        given().auth().oauth2(accessToken).get("/userinfo").then().statusCode(200).body("sub", equalTo("u-2b"));
    }

    @Test
    void userinfoAnswersForTheAccessTokenGetAndPost() {
        Logins.Login login = Logins.login("u-3");
        String accessToken = Logins.redeem(login.code(), login.verifier()).jsonPath().getString("access_token");
        given().auth().oauth2(accessToken).get("/userinfo").then().statusCode(200)
                .body("sub", equalTo("u-3")).body("email", equalTo("u-3@example.com")).body("idp", equalTo(TestWorld.upstream.issuer()));
        given().auth().oauth2(accessToken).post("/userinfo").then().statusCode(200).body("sub", equalTo("u-3"));
        given().auth().oauth2("not-a-token").get("/userinfo").then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer realm=\"orchestrator\", error=\"invalid_token\", "
                        + "error_description=\"the access token is invalid or expired\""));
        given().get("/userinfo").then().statusCode(401);
    }

    @Test
    void unknownCodeIsInvalidGrant() {
        Logins.redeem("no-such-code", Logins.verifier()).then().statusCode(400).header("Cache-Control", "no-store")
                .body("error", equalTo("invalid_grant"));
    }

    @Test
    void aWrongVerifierBurnsTheCode() {
        Logins.Login login = Logins.login("u-4");
        Logins.redeem(login.code(), Logins.verifier()).then().statusCode(400).body("error", equalTo("invalid_grant"));
        Logins.redeem(login.code(), login.verifier()).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aMissingVerifierIsRefused() {
        Logins.Login login = Logins.login("u-4b");
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", login.code()).formParam("redirect_uri", Logins.REDIRECT).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aWrongRedirectUriIsInvalidGrant() {
        Logins.Login login = Logins.login("u-5");
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", login.code()).formParam("redirect_uri", "https://app.example/cb/")
                .formParam("code_verifier", login.verifier()).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void anotherClientCannotRedeemTheCode() {
        Logins.Login login = Logins.login("u-6");
        given().formParam("client_id", "other-app").formParam("client_secret", "other-app-secret-0123456789abcdefghijk")
                .formParam("grant_type", "authorization_code").formParam("code", login.code())
                .formParam("redirect_uri", Logins.REDIRECT).formParam("code_verifier", login.verifier()).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void wrongClientSecretIs401WithWwwAuthenticate() {
        given().auth().preemptive().basic(Logins.APP, "wrong-secret-0123456789abcdefghijklmn").formParam("grant_type", "authorization_code")
                .formParam("code", "x").post("/token").then().statusCode(401).header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Basic"))
                .body("error", equalTo("invalid_client"));
        given().formParam("grant_type", "authorization_code").formParam("client_id", "nobody").formParam("code", "x")
                .post("/token").then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void badRequestsAtTheTokenEndpoint() {
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).contentType("application/json").body("{}")
                .post("/token").then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "password")
                .post("/token").then().statusCode(400).body("error", equalTo("unsupported_grant_type"));
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "client_credentials")
                .post("/token").then().statusCode(400).body("error", equalTo("unsupported_grant_type"));
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).body("grant_type=authorization_code&code=a&code=b")
                .contentType("application/x-www-form-urlencoded").post("/token").then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void aReplayedCodeIsInvalidGrantAndRevokesWhatTheFirstUseIssued() {
        Logins.Login login = Logins.login("u-7");
        JsonPath first = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
        Logins.redeem(login.code(), login.verifier()).then().statusCode(400).body("error", equalTo("invalid_grant"));
        // the orchestrator's refresh token is dead, the access token no longer answers userinfo,
        // and the token service was asked to revoke its refresh token and the access tokens
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", first.getString("refresh_token")).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().oauth2(first.getString("access_token")).get("/userinfo").then().statusCode(401);
        assertTrue(TestWorld.tokenService.revoked.contains(first.getString("access_tokens.'https://api.example/invoices'.access_token")));
        assertTrue(TestWorld.tokenService.revoked.contains(first.getString("access_tokens.'https://api.example/media'.access_token")));
        assertTrue(TestWorld.tokenService.revoked.stream().anyMatch(t -> t.startsWith("ts-rt-")));
    }

    @Test
    void refreshRotatesAndReuseEndsTheFamily() throws Exception {
        Logins.Login login = Logins.login("u-8");
        JsonPath first = Logins.redeem(login.code(), login.verifier()).jsonPath();
        JsonPath second = given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", first.getString("refresh_token")).post("/token")
                .then().statusCode(200).header("Cache-Control", "no-store").extract().jsonPath();
        assertNotEquals(first.getString("refresh_token"), second.getString("refresh_token"));
        assertNotEquals(first.getString("access_token"), second.getString("access_token"));
        JWTClaimsSet id = verified(second.getString("id_token"));
        assertEquals("u-8", id.getSubject());
        assertNull(id.getClaim("nonce"));
        // the old one again: refused, and the whole family with it
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", first.getString("refresh_token")).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", second.getString("refresh_token")).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
        assertFalse(TestWorld.tokenService.revoked.isEmpty());
    }

    @Test
    void aSecondClientLogsInWithTheSessionCookieWithoutGoingUpstream() {
        Logins.Login first = Logins.login("u-9");
        String verifier = Logins.verifier();
        Response response = Logins.authorize("other-app", "https://other.example/cb", "openid email", verifier, "st-2", "n-2",
                first.sessionCookie(), Map.of());
        assertEquals(302, response.statusCode());
        assertTrue(response.header("Location").startsWith("https://other.example/cb?"), response.header("Location"));
        Map<String, String> q = Forms.query(response.header("Location"));
        JsonPath tokens = given().formParam("client_id", "other-app").formParam("client_secret", "other-app-secret-0123456789abcdefghijk")
                .formParam("grant_type", "authorization_code").formParam("code", q.get("code"))
                .formParam("redirect_uri", "https://other.example/cb").formParam("code_verifier", verifier).post("/token")
                .then().statusCode(200).extract().jsonPath();
        // other-app is a pass-through client: its id_token is the upstream one
        assertEquals(tokens.getString("upstream_id_token"), tokens.getString("id_token"));
        assertNull(tokens.getString("refresh_token"));
        // prompt=none with the session works too
        Response silent = Logins.authorize("test-app", Logins.REDIRECT, "openid", Logins.verifier(), "st-3", "n-3",
                first.sessionCookie(), Map.of("prompt", "none"));
        assertNotNull(Forms.query(silent.header("Location")).get("code"));
    }

    @Test
    void callbackWithUnknownOrReplayedStateIsAnErrorPage() {
        Response unknown = given().redirects().follow(false).queryParam("state", "forged").queryParam("code", "c").get("/callback");
        assertEquals(400, unknown.statusCode());
        assertNull(unknown.header("Location"));
        Response none = given().redirects().follow(false).queryParam("code", "c").get("/callback");
        assertEquals(400, none.statusCode());
        Response toUpstream = Logins.authorize("test-app", Logins.REDIRECT, "openid", Logins.verifier(), "s", "n", null, Map.of());
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String code = TestWorld.upstream.code("u-10", up.get("nonce"), up.get("code_challenge"));
        Response first = given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream)).queryParam("code", code)
                .queryParam("state", up.get("state")).get("/callback");
        assertEquals(302, first.statusCode());
        // the browser replays it: its login cookie was expired by the first answer
        Response replay = given().redirects().follow(false).queryParam("code", code).queryParam("state", up.get("state")).get("/callback");
        assertEquals(400, replay.statusCode());
        assertNull(replay.header("Location"));
    }

    @Test
    void upstreamAccessDeniedReachesTheClientWithItsState() {
        Response toUpstream = Logins.authorize("test-app", Logins.REDIRECT, "openid", Logins.verifier(), "client-state", "n", null, Map.of());
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        Response back = given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream))
                .queryParam("error", "access_denied").queryParam("state", up.get("state")).get("/callback");
        assertEquals(302, back.statusCode());
        Map<String, String> q = Forms.query(back.header("Location"));
        assertEquals("access_denied", q.get("error"));
        assertEquals("client-state", q.get("state"));
        assertEquals(ISSUER, q.get("iss"));
    }

    @Test
    void anUpstreamIdTokenWithAnotherNonceIsRefused() {
        Response toUpstream = Logins.authorize("test-app", Logins.REDIRECT, "openid", Logins.verifier(), "client-state", "n", null, Map.of());
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String code = TestWorld.upstream.code("u-11", "another-nonce", up.get("code_challenge"));
        Response back = given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream)).queryParam("code", code)
                .queryParam("state", up.get("state")).get("/callback");
        assertEquals(302, back.statusCode());
        assertEquals("access_denied", Forms.query(back.header("Location")).get("error"));
        assertNull(back.getCookie("orch_session"));
    }

    @Test
    void anUpstreamIdTokenForAnotherAudienceIsRefused() {
        Response toUpstream = Logins.authorize("test-app", Logins.REDIRECT, "openid", Logins.verifier(), "client-state", "n", null, Map.of());
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String code = TestWorld.upstream.code("u-12", up.get("nonce"), up.get("code_challenge"), "someone-else");
        Response back = given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream)).queryParam("code", code)
                .queryParam("state", up.get("state")).get("/callback");
        assertEquals("access_denied", Forms.query(back.header("Location")).get("error"));
    }

    @Test
    void aTokenServiceThatIsDownGivesTemporarilyUnavailable() {
        TestWorld.tokenService.mode = FakeTokenService.Mode.DOWN;
        Logins.Login login = Logins.login("u-13");
        assertEquals("temporarily_unavailable", login.result().get("error"));
        assertEquals(login.state(), login.result().get("state"));
    }

    @Test
    void nothingGrantedStillLogsInWithAUserinfoOnlyAccessToken() {
        TestWorld.tokenService.mode = FakeTokenService.Mode.NOTHING_GRANTED;
        Logins.Login login = Logins.login("u-14");
        JsonPath tokens = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
        assertEquals("openid profile email", tokens.getString("scope"));
        assertNull(tokens.get("access_tokens"));
        given().auth().oauth2(tokens.getString("access_token")).get("/userinfo").then().statusCode(200).body("sub", equalTo("u-14"));
    }
}
