package dev.tokenservices.orchestrator.upstream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.orchestrator.support.Browser;
import dev.tokenservices.orchestrator.support.FakeUpstream;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The quirks of the IdPs people have, each against a real HTTP provider behaving so
 * ({@link FakeUpstream}): Google's two issuer spellings and Workspace domain pin, Entra ID's
 * templated multi-tenant issuer, issuers with a path (Okta, Keycloak) and Keycloak's id_token
 * {@code typ}, Sign in with Apple's form post, client secret JWT and first-login name, and an
 * upstream that does not answer.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class UpstreamQuirksTest {

    /** A login sent to {@code idp}: the browser's cookies, the upstream request, and the client's state. */
    record Started(Browser browser, Map<String, String> upstream, String clientState, String verifier, Response toUpstream) {
        String state() {
            return upstream.get("state");
        }
    }

    private static Started start(String idp, FakeUpstream upstream) {
        Browser browser = new Browser();
        String verifier = Logins.verifier();
        String clientState = "cs-" + UUID.randomUUID();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", Logins.APP);
        query.put("redirect_uri", Logins.REDIRECT);
        query.put("scope", "openid profile email");
        query.put("state", clientState);
        query.put("nonce", "n-" + UUID.randomUUID());
        query.put("code_challenge", Forms.s256(verifier));
        query.put("code_challenge_method", "S256");
        query.put("idp_hint", idp);
        Response toUpstream = browser.get("/authorize", query);
        assertEquals(302, toUpstream.statusCode(), toUpstream.asString());
        assertTrue(toUpstream.header("Location").startsWith(upstream.authorizationEndpoint() + "?"), toUpstream.header("Location"));
        return new Started(browser, Forms.query(toUpstream.header("Location")), clientState, verifier, toUpstream);
    }

    private static String code(FakeUpstream upstream, Started login, String sub, Map<String, Object> claims, JOSEObjectType typ) {
        return upstream.code(sub, login.upstream().get("nonce"), login.upstream().get("code_challenge"), FakeUpstream.CLIENT_ID, claims, typ);
    }

    /** The browser comes back by GET, as the IdP sends it. */
    private static Map<String, String> back(Started login, String code) {
        Response back = login.browser().get("/callback", Map.of("code", code, "state", login.state()));
        assertEquals(302, back.statusCode(), back.asString());
        Map<String, String> result = Forms.query(back.header("Location"));
        assertEquals(login.clientState(), result.get("state"));
        return result;
    }

    private static Map<String, String> loginAt(String idp, FakeUpstream upstream, Map<String, Object> claims, JOSEObjectType typ) {
        Started login = start(idp, upstream);
        return back(login, code(upstream, login, "u-" + UUID.randomUUID(), claims, typ));
    }

    private static void assertRefused(Map<String, String> result, String description) {
        assertNull(result.get("code"));
        assertEquals("access_denied", result.get("error"));
        assertTrue(result.get("error_description").contains(description), result.get("error_description"));
    }

    private static String alias(FakeUpstream google) {
        return google.issuer().substring("http://".length());
    }

    // ---- Google -------------------------------------------------------------------------------

    @Test
    void googleSignsWithEitherSpellingOfItsIssuer() {
        FakeUpstream google = TestWorld.google;
        assertNotNull(loginAt("google-idp", google, Map.of("hd", "example.com"), JOSEObjectType.JWT).get("code"));
        assertNotNull(loginAt("google-idp", google, Map.of("iss", alias(google), "hd", "example.com"), JOSEObjectType.JWT).get("code"));
    }

    @Test
    void anIssuerThatIsNeitherTheIssuerNorAnAliasIsRefused() {
        assertRefused(loginAt("google-idp", TestWorld.google, Map.of("iss", "https://accounts.example", "hd", "example.com"),
                JOSEObjectType.JWT), "could not be accepted");
        // an alias is the entry's own: another entry of the same provider without it refuses the short spelling
        assertRefused(loginAt("test-idp", TestWorld.upstream, Map.of("iss", alias(TestWorld.upstream)), JOSEObjectType.JWT),
                "could not be accepted");
    }

    @Test
    void aPinnedWorkspaceDomainRefusesOtherDomainsAndPersonalAccounts() {
        assertRefused(loginAt("google-idp", TestWorld.google, Map.of("hd", "other.example"), JOSEObjectType.JWT),
                "the account is not accepted for google-idp: the hosted domain (hd) is not one accepted for this issuer");
        assertRefused(loginAt("google-idp", TestWorld.google, Map.of(), JOSEObjectType.JWT),
                "the account is not accepted for google-idp: hd is missing; only accounts of example.com are accepted");
    }

    // ---- Entra ID multi-tenant ------------------------------------------------------------------

    @Test
    void aListedTenantLogsInUnderItsOwnIssuer() throws Exception {
        Started login = start("entra-idp", TestWorld.entra);
        Map<String, String> result = back(login, code(TestWorld.entra, login, "entra-user", Map.of("tid", TestWorld.TENANT_A), JOSEObjectType.JWT));
        assertNotNull(result.get("code"), result.toString());
        Response tokens = given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", result.get("code")).formParam("redirect_uri", Logins.REDIRECT)
                .formParam("code_verifier", login.verifier()).post("/token");
        tokens.then().statusCode(200);
        JWTClaimsSet id = com.nimbusds.jwt.SignedJWT.parse(tokens.jsonPath().getString("id_token")).getJWTClaimsSet();
        assertEquals(TestWorld.entra.issuer().replace("{tenantid}", TestWorld.TENANT_A), id.getClaim("idp"),
                "each tenant is an issuer of its own");
    }

    @Test
    void aTenantNotListedIsRefused() {
        assertRefused(loginAt("entra-idp", TestWorld.entra, Map.of("tid", TestWorld.TENANT_B), JOSEObjectType.JWT),
                "the account is not accepted for entra-idp: the tenant (tid) is not one this issuer is trusted for");
    }

    @Test
    void aListedTidUnderAnotherTenantsIssuerIsRefused() {
        String otherIssuer = TestWorld.entra.issuer().replace("{tenantid}", TestWorld.TENANT_B);
        assertRefused(loginAt("entra-idp", TestWorld.entra, Map.of("tid", TestWorld.TENANT_A, "iss", otherIssuer), JOSEObjectType.JWT),
                "could not be accepted");
        assertRefused(loginAt("entra-idp", TestWorld.entra, Map.of("iss", TestWorld.entra.issuer()), JOSEObjectType.JWT),
                "tid is missing");
    }

    // ---- issuers with a path; Keycloak's typ --------------------------------------------------------

    @Test
    void anIssuerWithAPathIsDiscoveredThere() {
        assertNotNull(loginAt("realm-idp", TestWorld.realm, Map.of(), JOSEObjectType.JWT).get("code"));
    }

    @Test
    void keycloaksIdTokensWithTypIdAndNoHeaderTypAreAccepted() {
        assertNotNull(loginAt("realm-idp", TestWorld.realm, Map.of("typ", "ID"), null).get("code"));
        assertNotNull(loginAt("realm-idp", TestWorld.realm, Map.of("typ", "ID"), JOSEObjectType.JWT).get("code"));
    }

    @Test
    void anAccessTokenPresentedAsTheIdTokenIsRefused() {
        assertRefused(loginAt("realm-idp", TestWorld.realm, Map.of(), new JOSEObjectType("at+jwt")), "could not be accepted");
        assertRefused(loginAt("realm-idp", TestWorld.realm, Map.of(), new JOSEObjectType("logout+jwt")), "could not be accepted");
    }

    // ---- Sign in with Apple -----------------------------------------------------------------------

    private static String loginCookieHeader(Started login) {
        return login.toUpstream().headers().getValues("Set-Cookie").stream().filter(c -> c.startsWith("orch_login_")).findFirst()
                .orElseThrow();
    }

    @Test
    void appleAnswersByFormPostWithTheNameOnTheFirstLoginOnly() {
        Started login = start("apple-idp", TestWorld.apple);
        assertEquals("form_post", login.upstream().get("response_mode"));
        String cookie = loginCookieHeader(login);
        assertTrue(cookie.contains("SameSite=None") && cookie.contains("Secure") && cookie.contains("HttpOnly")
                && cookie.contains("Path=/callback"), "the login cookie comes along on the IdP's cross-site POST: " + cookie);
        String code = code(TestWorld.apple, login, "apple-001", Map.of(), JOSEObjectType.JWT);
        int before = TestWorld.apple.clientSecretJwts.size();
        Response back = login.browser().post("/callback", Map.of("code", code, "state", login.state(),
                "user", "{\"name\":{\"firstName\":\"Ann\",\"lastName\":\"Apple\"},\"email\":\"forged@evil.example\"}"));
        assertEquals(302, back.statusCode(), back.asString());
        Map<String, String> result = Forms.query(back.header("Location"));
        assertEquals(login.clientState(), result.get("state"));
        assertNotNull(result.get("code"), result.toString());

        // the client secret was a fresh JWT as Apple wants it
        JWTClaimsSet secret = TestWorld.apple.clientSecretJwts.get(before);
        assertEquals("TEAM123456", secret.getIssuer());
        assertEquals(FakeUpstream.CLIENT_ID, secret.getSubject());
        assertEquals(List.of(TestWorld.apple.issuer()), secret.getAudience());
        assertTrue(secret.getExpirationTime().getTime() - secret.getIssueTime().getTime() <= 300_000);

        String accessToken = Logins.redeem(result.get("code"), login.verifier()).jsonPath().getString("access_token");
        given().auth().oauth2(accessToken).get("/userinfo").then().statusCode(200).body("sub", equalTo("apple-001"))
                .body("name", equalTo("Ann Apple")).body("given_name", equalTo("Ann")).body("family_name", equalTo("Apple"))
                .body("email", equalTo("apple-001@example.com"));

        // the next login has no user field: nothing is invented
        Started again = start("apple-idp", TestWorld.apple);
        Response second = again.browser().post("/callback", Map.of("code",
                code(TestWorld.apple, again, "apple-001", Map.of(), JOSEObjectType.JWT), "state", again.state()));
        Map<String, String> result2 = Forms.query(second.header("Location"));
        String accessToken2 = Logins.redeem(result2.get("code"), again.verifier()).jsonPath().getString("access_token");
        given().auth().oauth2(accessToken2).get("/userinfo").then().statusCode(200).body("sub", equalTo("apple-001"))
                .body("name", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aFormPostCallbackOpenedInAnotherBrowserLogsNoOneIn() {
        // the attacker logs in at Apple as himself and stops before the POST back
        Started attacker = start("apple-idp", TestWorld.apple);
        String attackerCode = code(TestWorld.apple, attacker, "attacker", Map.of(), JOSEObjectType.JWT);
        // the victim has a login of her own in progress: her browser holds its SameSite=None cookie
        Started victim = start("apple-idp", TestWorld.apple);
        // the attacker's page makes the victim's browser POST his code and state (her cookies go along)
        Response forged = victim.browser().post("/callback", Map.of("code", attackerCode, "state", attacker.state()));
        assertEquals(400, forged.statusCode());
        assertNull(forged.header("Location"));
        assertNull(victim.browser().cookie("orch_session"), "no session in the victim's browser");
        assertTrue(forged.asString().contains("not started in this browser"));
        // her own login is untouched and still completes
        Response own = victim.browser().post("/callback", Map.of("code",
                code(TestWorld.apple, victim, "victim", Map.of(), JOSEObjectType.JWT), "state", victim.state()));
        assertNotNull(Forms.query(own.header("Location")).get("code"));
    }

    @Test
    void theAnswerMustComeTheWayTheEntrySays() {
        Started apple = start("apple-idp", TestWorld.apple);
        Response byGet = apple.browser().get("/callback", Map.of("code",
                code(TestWorld.apple, apple, "apple-002", Map.of(), JOSEObjectType.JWT), "state", apple.state()));
        assertEquals(400, byGet.statusCode());
        assertTrue(byGet.asString().contains("form_post"), byGet.asString());
        Started google = start("google-idp", TestWorld.google);
        Response byPost = google.browser().post("/callback", Map.of("code",
                code(TestWorld.google, google, "g-1", Map.of("hd", "example.com"), JOSEObjectType.JWT), "state", google.state()));
        assertEquals(400, byPost.statusCode());
    }

    // ---- an upstream that is down or slow -----------------------------------------------------------

    private static Response authorizeAt(String idp, String clientState, Map<String, String> extra) {
        var request = given().redirects().follow(false).queryParam("response_type", "code").queryParam("client_id", Logins.APP)
                .queryParam("redirect_uri", Logins.REDIRECT).queryParam("scope", "openid").queryParam("state", clientState)
                .queryParam("code_challenge", Forms.s256(Logins.verifier())).queryParam("code_challenge_method", "S256")
                .queryParam("idp_hint", idp);
        extra.forEach(request::queryParam);
        return request.get("/authorize");
    }

    private static Map<String, String> backLink(Response page) {
        Matcher m = Pattern.compile("id=\"back\" href=\"([^\"]+)\"").matcher(page.asString());
        assertTrue(m.find(), page.asString());
        return Forms.query(m.group(1).replace("&amp;", "&"));
    }

    @Test
    void aSlowUpstreamShowsAPageNamingItWhileOthersKeepWorking() throws Exception {
        long started = System.nanoTime();
        CompletableFuture<Response> slow = CompletableFuture.supplyAsync(() -> authorizeAt("slow-idp", "cs-slow", Map.of()));
        // meanwhile another upstream logs people in as usual
        Logins.Login other = Logins.login("u-while-slow");
        assertNotNull(other.code());
        Response page = slow.get();
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 3_000, "bounded by the entry's timeout_ms (500), took " + millis);
        assertEquals(503, page.statusCode());
        assertEquals("text/html;charset=UTF-8", page.contentType().replace(" ", ""));
        assertEquals("no-store", page.header("Cache-Control"));
        assertTrue(page.asString().contains("slow-idp is not available right now"), page.asString());
        Map<String, String> back = backLink(page);
        assertEquals("temporarily_unavailable", back.get("error"));
        assertEquals("cs-slow", back.get("state"));
        assertTrue(back.get("error_description").contains("slow-idp"));
    }

    @Test
    void aDownUpstreamShowsThePageAndPromptNoneGoesStraightBack() {
        Response page = authorizeAt("down-idp", "cs-down", Map.of());
        assertEquals(503, page.statusCode());
        assertTrue(page.asString().contains("down-idp is not available right now"));
        assertEquals("cs-down", backLink(page).get("state"));
        Response none = authorizeAt("down-idp", "cs-none", Map.of("prompt", "none"));
        // prompt=none with no session answers login_required before any upstream is asked
        assertEquals(302, none.statusCode());
        assertEquals("cs-none", Forms.query(none.header("Location")).get("state"));
    }

    @Test
    void aFirstLoginNameIsBoundedAndOnlyAName() {
        Map<String, String> overlong = new HashMap<>();
        overlong.put("user", "{\"name\":{\"firstName\":\"" + "x".repeat(3000) + "\"}}");
        Started login = start("apple-idp", TestWorld.apple);
        Map<String, String> form = new HashMap<>(overlong);
        form.put("code", code(TestWorld.apple, login, "apple-003", Map.of(), JOSEObjectType.JWT));
        form.put("state", login.state());
        Map<String, String> result = Forms.query(login.browser().post("/callback", form).header("Location"));
        String accessToken = Logins.redeem(result.get("code"), login.verifier()).jsonPath().getString("access_token");
        given().auth().oauth2(accessToken).get("/userinfo").then().statusCode(200)
                .body("name", org.hamcrest.Matchers.nullValue()).body("sub", containsString("apple-003"));
        assertFalse(result.containsKey("error"));
    }
}
