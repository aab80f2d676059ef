package dev.tokenservices.orchestrator.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.FakeTokenService;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * RFC 8707 {@code resource} at the orchestrator: /authorize picks the APIs, /token may narrow, never
 * widen; a resource beyond the grant is refused before the code or refresh token is used.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class ResourceIndicatorTest {

    private static final String INVOICES = FakeTokenService.INVOICES;
    private static final String MEDIA = FakeTokenService.MEDIA;

    /** A login of test-app asking {@code scope} with the given {@code resource} query (e.g. {@code resource=a&resource=b}). */
    private static Logins.Login login(String scope, List<String> resources) {
        String verifier = Logins.verifier();
        var request = given().redirects().follow(false).queryParam("response_type", "code").queryParam("client_id", Logins.APP)
                .queryParam("redirect_uri", Logins.REDIRECT).queryParam("scope", scope).queryParam("state", "res-state")
                .queryParam("code_challenge", Forms.s256(verifier)).queryParam("code_challenge_method", "S256")
                .queryParam("idp_hint", "test-idp");
        if (!resources.isEmpty()) {
            request.queryParam("resource", resources);
        }
        Response back = Logins.atUpstream(request.get("/authorize"), "res-" + UUID.randomUUID(), null);
        return new Logins.Login(verifier, "res-state", null, back, null);
    }

    private static Response redeem(Logins.Login login, List<String> resources) {
        var request = given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", login.code()).formParam("redirect_uri", Logins.REDIRECT).formParam("code_verifier", login.verifier());
        if (!resources.isEmpty()) {
            request.formParam("resource", resources);
        }
        return request.post("/token");
    }

    private static Response refresh(String refreshToken, List<String> resources) {
        var request = given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refreshToken);
        if (!resources.isEmpty()) {
            request.formParam("resource", resources);
        }
        return request.post("/token");
    }

    private static List<Map<String, String>> atTheTokenService(int since, String grantType) {
        List<Map<String, String>> all = TestWorld.tokenService.requests;
        return all.subList(since, all.size()).stream().filter(r -> grantType.equals(r.get("grant_type"))).toList();
    }

    @Test
    void aResourceAtAuthorizeNarrowsTheExchangesToThatApi() {
        int before = TestWorld.tokenService.requests.size();
        Logins.Login login = login("openid email invoices.read media.play", List.of(MEDIA));
        List<Map<String, String>> exchanges = atTheTokenService(before, "urn:ietf:params:oauth:grant-type:token-exchange");
        assertEquals(1, exchanges.size(), exchanges.toString());
        assertEquals(MEDIA, exchanges.get(0).get("resource"));
        assertEquals("media.play", exchanges.get(0).get("scope"));
        JsonPath tokens = redeem(login, List.of()).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of(MEDIA), tokens.getMap("access_tokens").keySet());
        // one resource named: the top-level token is that API's, with its scope (TopLevelResourceTokenTest)
        assertEquals("media.play", tokens.getString("scope"));
    }

    @Test
    void anApiNamedWithoutAnyOfItsScopesGetsWhatTheClientMayHaveThere() {
        JsonPath tokens = redeem(login("openid", List.of(INVOICES, MEDIA)), List.of()).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of(INVOICES, MEDIA), tokens.getMap("access_tokens").keySet());
        assertEquals("invoices.read", tokens.getString("access_tokens.'" + INVOICES + "'.scope"));
        assertEquals("openid invoices.read media.play", tokens.getString("scope"));
    }

    @Test
    void aBadResourceAtAuthorizeIsInvalidTargetAtTheClient() {
        for (String resource : List.of("https://api.example/unknown", "/invoices", "https://api.example/invoices#x", "not a uri")) {
            Response response = given().redirects().follow(false).queryParam("response_type", "code").queryParam("client_id", Logins.APP)
                    .queryParam("redirect_uri", Logins.REDIRECT).queryParam("scope", "openid").queryParam("state", "s-t")
                    .queryParam("code_challenge", Forms.s256(Logins.verifier())).queryParam("code_challenge_method", "S256")
                    .queryParam("resource", resource).get("/authorize");
            assertEquals(302, response.statusCode(), resource);
            Map<String, String> error = Forms.query(response.header("Location"));
            assertEquals("invalid_target", error.get("error"), resource);
            assertEquals("s-t", error.get("state"));
        }
        // other-app may hold "openid email": no API is one it may obtain tokens for
        Response notAllowed = given().redirects().follow(false).queryParam("response_type", "code").queryParam("client_id", "other-app")
                .queryParam("redirect_uri", "https://other.example/cb").queryParam("scope", "openid").queryParam("state", "s-o")
                .queryParam("code_challenge", Forms.s256(Logins.verifier())).queryParam("code_challenge_method", "S256")
                .queryParam("resource", INVOICES).get("/authorize");
        Map<String, String> error = Forms.query(notAllowed.header("Location"));
        assertEquals("invalid_target", error.get("error"));
        assertTrue(error.get("error_description").contains(INVOICES), error.get("error_description"));
    }

    @Test
    void aResourceAtTheTokenEndpointNarrowsTheResponseAndTheOthersAreRevoked() {
        Logins.Login login = login("openid email invoices.read media.play", List.of());
        int revokedBefore = TestWorld.tokenService.revoked.size();
        int before = TestWorld.tokenService.requests.size();
        JsonPath tokens = redeem(login, List.of(INVOICES)).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of(INVOICES), tokens.getMap("access_tokens").keySet());
        assertEquals("invoices.read", tokens.getString("scope"));
        // the media token obtained at the login reaches no one: revoked at the token service
        List<String> revoked = TestWorld.tokenService.revoked.subList(revokedBefore, TestWorld.tokenService.revoked.size());
        assertEquals(1, revoked.size(), revoked.toString());
        assertTrue(revoked.get(0).contains("."), "an access token was revoked");
        assertFalse(revoked.contains(tokens.getString("access_tokens.'" + INVOICES + "'.access_token")));
        assertEquals(List.of(), atTheTokenService(before, "urn:ietf:params:oauth:grant-type:token-exchange"));
        // the refresh token keeps the whole grant
        JsonPath refreshed = refresh(tokens.getString("refresh_token"), List.of()).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of(INVOICES, MEDIA), refreshed.getMap("access_tokens").keySet());
        assertEquals("openid email invoices.read media.play", refreshed.getString("scope"));
    }

    @Test
    void aResourceBeyondTheAuthorizationIsInvalidTargetAndLeavesTheCodeUsable() {
        Logins.Login login = login("openid invoices.read media.play", List.of(INVOICES));
        redeem(login, List.of(MEDIA)).then().statusCode(400).header("Cache-Control", "no-store")
                .body("error", equalTo("invalid_target")).body("error_description", equalTo("resource " + MEDIA
                        + " was not authorized for this grant; a token request can only narrow"));
        // nothing was issued for the code: its client may correct the request
        JsonPath tokens = redeem(login, List.of(INVOICES)).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of(INVOICES), tokens.getMap("access_tokens").keySet());
        redeem(login, List.of()).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aResourceBeyondTheAuthorizationWithAWrongVerifierStillSpendsTheCode() {
        Logins.Login login = login("openid invoices.read media.play", List.of(INVOICES));
        // whoever sends a wrong verifier may not be the client: the code is spent, whatever else the request holds
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", login.code()).formParam("redirect_uri", Logins.REDIRECT).formParam("code_verifier", Logins.verifier())
                .formParam("resource", MEDIA).post("/token").then().statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("code_verifier does not match the code_challenge (PKCE)"));
        redeem(login, List.of()).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aMalformedOrUnknownResourceAtTheTokenEndpointLeavesTheCodeUnused() {
        Logins.Login login = login("openid invoices.read", List.of());
        redeem(login, List.of("https://api.example/nope")).then().statusCode(400).body("error", equalTo("invalid_target"));
        redeem(login, List.of("relative/path")).then().statusCode(400).body("error", equalTo("invalid_target"))
                .body("error_description", equalTo("resource must be an absolute URI without a fragment (RFC 8707 section 2)"));
        redeem(login, List.of(INVOICES, INVOICES)).then().statusCode(200);
    }

    @Test
    void aRefreshNarrowedByResourceRefreshesOnlyThatApiAndCannotWiden() {
        JsonPath first = redeem(login("openid invoices.read media.play", List.of()), List.of()).then().statusCode(200).extract().jsonPath();
        int before = TestWorld.tokenService.requests.size();
        JsonPath narrow = refresh(first.getString("refresh_token"), List.of(MEDIA)).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of(MEDIA), narrow.getMap("access_tokens").keySet());
        assertEquals("media.play", narrow.getString("scope"));
        assertEquals(1, atTheTokenService(before, "refresh_token").size());
        // both again without resource: invoices' token waited
        JsonPath whole = refresh(narrow.getString("refresh_token"), List.of()).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of(INVOICES, MEDIA), whole.getMap("access_tokens").keySet());

        JsonPath onlyInvoices = redeem(login("openid invoices.read media.play", List.of(INVOICES)), List.of()).then().statusCode(200)
                .extract().jsonPath();
        int beforeWider = TestWorld.tokenService.requests.size();
        refresh(onlyInvoices.getString("refresh_token"), List.of(MEDIA)).then().statusCode(400).body("error", equalTo("invalid_target"));
        assertEquals(beforeWider, TestWorld.tokenService.requests.size(), "nothing asked of the token service");
        // refused before the refresh token was used: the retry is no reuse that would end the login
        refresh(onlyInvoices.getString("refresh_token"), List.of(INVOICES)).then().statusCode(200);
    }
}
