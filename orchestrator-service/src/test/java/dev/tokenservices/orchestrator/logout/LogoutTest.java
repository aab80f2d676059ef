package dev.tokenservices.orchestrator.logout;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * RP-Initiated Logout 1.0: logout CSRF (a link or a forged form signs no one out; the user is
 * asked), and "Sign out" reaching the upstream IdP's end_session_endpoint and coming back.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class LogoutTest {

    static final String ISSUER = "http://localhost:8082";
    static final String BYE = "https://app.example/bye";
    private static final Pattern HIDDEN = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">");

    private static JsonPath tokens(Logins.Login login) {
        return Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
    }

    private static Logins.Login login(String sub) {
        return Logins.login(sub + "-" + UUID.randomUUID());
    }

    /** Whether the session still logs its user in silently (prompt=none gives a code). */
    private static boolean sessionLives(String sessionCookie) {
        Response silent = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "s", "n", sessionCookie,
                Map.of("prompt", "none"));
        Map<String, String> q = Forms.query(silent.header("Location"));
        if (q.get("code") != null) {
            return true;
        }
        assertEquals("login_required", q.get("error"), silent.header("Location"));
        return false;
    }

    private static boolean setsSessionCookie(Response response) {
        return response.headers().getValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("orch_session="));
    }

    private static void expiresSessionCookie(Response response) {
        String cookie = response.headers().getValues("Set-Cookie").stream().filter(c -> c.startsWith("orch_session="))
                .findFirst().orElseThrow(() -> new AssertionError("no orch_session Set-Cookie"));
        assertTrue(cookie.startsWith("orch_session=;") && cookie.contains("Max-Age=0"), cookie);
    }

    /** The hidden fields of the confirmation form. */
    private static Map<String, String> confirmationForm(Response page) {
        assertEquals(200, page.statusCode());
        assertTrue(page.contentType().startsWith("text/html"), page.contentType());
        String html = page.body().asString();
        assertTrue(html.contains("id=\"confirm-logout\""), html);
        assertTrue(html.contains("method=\"post\" action=\"" + ISSUER + "/logout\""), html);
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = HIDDEN.matcher(html);
        while (m.find()) {
            fields.put(m.group(1), m.group(2).replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'")
                    .replace("&lt;", "<").replace("&gt;", ">"));
        }
        return fields;
    }

    private static Response postLogout(String sessionCookie, Map<String, String> form) {
        var request = given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParams(form);
        if (sessionCookie != null) {
            request.cookie("orch_session", sessionCookie);
        }
        return request.post("/logout");
    }

    /** The browser at the upstream's end_session_endpoint: where it is sent back to. */
    private static URI atUpstream(String location) throws Exception {
        HttpResponse<String> response = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
                .send(HttpRequest.newBuilder(URI.create(location)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, response.statusCode(), response.body());
        return URI.create(response.headers().firstValue("Location").orElseThrow());
    }

    private static Response done(URI backFromUpstream) {
        assertTrue(backFromUpstream.toString().startsWith(ISSUER + "/logout/done?"), backFromUpstream.toString());
        return given().redirects().follow(false).queryParam("state", Forms.query(backFromUpstream.toString()).get("state"))
                .get("/logout/done");
    }

    // ---- logout CSRF -------------------------------------------------------------------------

    @Test
    void aLogoutLinkWithoutHintOnlyAsksAndTheSessionLives() {
        Logins.Login victim = login("victim");
        Response page = given().redirects().follow(false).cookie("orch_session", victim.sessionCookie())
                .queryParam("client_id", Logins.APP).queryParam("post_logout_redirect_uri", BYE).queryParam("state", "bye&more")
                .get("/logout");

        Map<String, String> form = confirmationForm(page);
        assertTrue(page.body().asString().contains("Sign out of test-app?"), page.body().asString());
        assertTrue(page.body().asString().contains("Test victim-"), "shows who is signed in");
        assertEquals(Logins.APP, form.get("client_id"));
        assertEquals(BYE, form.get("post_logout_redirect_uri"));
        assertEquals("bye&more", form.get("state"));
        assertNotNull(form.get("csrf_token"));
        assertEquals("DENY", page.header("X-Frame-Options"));
        assertFalse(setsSessionCookie(page));
        assertTrue(sessionLives(victim.sessionCookie()));
        // an RP-initiated POST without a hint asks the same way
        Map<String, String> fields = confirmationForm(postLogout(victim.sessionCookie(), Map.of("client_id", Logins.APP)));
        assertEquals(Logins.APP, fields.get("client_id"));
        assertTrue(sessionLives(victim.sessionCookie()));
    }

    @Test
    void aForgedConfirmationIsRefusedAndTheSessionLives() {
        Logins.Login victim = login("victim");
        Logins.Login attacker = login("attacker");
        // the attacker's own confirmation page gives him a token, bound to his own session
        String attackersToken = confirmationForm(given().redirects().follow(false).cookie("orch_session", attacker.sessionCookie())
                .get("/logout")).get("csrf_token");

        for (Map<String, String> forged : java.util.List.of(Map.of("confirm", "yes"),
                Map.of("confirm", "yes", "csrf_token", attackersToken),
                Map.of("confirm", "yes", "csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                Map.of("confirm", "yes", "csrf_token", ""))) {
            Response refused = postLogout(victim.sessionCookie(), forged);
            assertEquals(400, refused.statusCode(), forged.toString());
            assertTrue(refused.contentType().startsWith("text/html"));
            assertTrue(refused.body().asString().contains("not sent from this browser"), refused.body().asString());
            assertNull(refused.header("Location"));
            assertFalse(setsSessionCookie(refused));
        }
        assertTrue(sessionLives(victim.sessionCookie()));
        assertTrue(sessionLives(attacker.sessionCookie()));
    }

    @Test
    void anotherUsersIdTokenHintOnlyAsks() {
        Logins.Login victim = login("victim");
        String attackersIdToken = tokens(login("attacker")).getString("id_token");

        Response page = given().redirects().follow(false).cookie("orch_session", victim.sessionCookie())
                .queryParam("id_token_hint", attackersIdToken).queryParam("post_logout_redirect_uri", BYE).get("/logout");

        confirmationForm(page);
        assertFalse(setsSessionCookie(page));
        assertTrue(sessionLives(victim.sessionCookie()));
    }

    // ---- signing out, here and upstream ---------------------------------------------------------

    @Test
    void theSessionsOwnHintEndsItAtOnceAndSignsOutUpstreamThenReturnsToTheClient() throws Exception {
        Logins.Login login = login("l-1");
        JsonPath tokens = tokens(login);
        Response response = given().redirects().follow(false).cookie("orch_session", login.sessionCookie())
                .queryParam("id_token_hint", tokens.getString("id_token")).queryParam("post_logout_redirect_uri", BYE)
                .queryParam("state", "bye-1").get("/logout");

        assertEquals(302, response.statusCode());
        String location = response.header("Location");
        assertTrue(location.startsWith(TestWorld.upstream.issuer() + "/logout?"), location);
        Map<String, String> up = Forms.query(location);
        assertEquals(tokens.getString("upstream_id_token"), up.get("id_token_hint"));
        assertEquals("orch-upstream", up.get("client_id"));
        assertEquals(ISSUER + "/logout/done", up.get("post_logout_redirect_uri"));
        assertNotNull(up.get("state"));
        assertFalse(up.get("state").contains("bye-1") || up.get("state").contains("app.example"), "the return is sealed");
        expiresSessionCookie(response);
        assertFalse(sessionLives(login.sessionCookie()));

        Response back = done(atUpstream(location));
        assertEquals(302, back.statusCode());
        assertEquals(BYE + "?state=bye-1", back.header("Location"));
        assertTrue(TestWorld.upstream.endSessions.stream().anyMatch(q -> tokens.getString("upstream_id_token").equals(q.get("id_token_hint"))));
        // signed out means signed out: with the old cookie the next login goes to the upstream again
        Response next = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "s", "n", login.sessionCookie(), Map.of());
        assertTrue(next.header("Location").startsWith(TestWorld.upstream.issuer()), next.header("Location"));
    }

    @Test
    void theConfirmedSignOutEndsTheSessionAndSignsOutUpstream() throws Exception {
        Logins.Login login = login("l-confirm");
        String upstreamIdToken = tokens(login).getString("upstream_id_token");
        Map<String, String> form = confirmationForm(given().redirects().follow(false).cookie("orch_session", login.sessionCookie())
                .queryParam("client_id", Logins.APP).queryParam("post_logout_redirect_uri", BYE).queryParam("state", "bye 2&x")
                .get("/logout"));

        Response confirmed = postLogout(login.sessionCookie(), form);

        assertEquals(302, confirmed.statusCode(), confirmed.body().asString());
        Map<String, String> up = Forms.query(confirmed.header("Location"));
        assertEquals(upstreamIdToken, up.get("id_token_hint"));
        assertEquals("orch-upstream", up.get("client_id"));
        assertEquals(ISSUER + "/logout/done", up.get("post_logout_redirect_uri"));
        expiresSessionCookie(confirmed);
        assertFalse(sessionLives(login.sessionCookie()));
        Response back = done(atUpstream(confirmed.header("Location")));
        assertEquals(BYE + "?state=bye%202%26x", back.header("Location"));
    }

    @Test
    void withoutARedirectTheUpstreamReturnShowsTheSignedOutPage() throws Exception {
        Logins.Login login = login("l-page");
        Response response = given().redirects().follow(false).cookie("orch_session", login.sessionCookie())
                .queryParam("id_token_hint", tokens(login).getString("id_token")).get("/logout");
        Response back = done(atUpstream(response.header("Location")));
        back.then().statusCode(200).body(containsString("signed out"));
    }

    @Test
    void aForgedOrAlteredReturnStateIsAnErrorPage() throws Exception {
        given().redirects().follow(false).queryParam("state", "forged").get("/logout/done")
                .then().statusCode(400).contentType(containsString("text/html")).header("Location", (String) null);
        Logins.Login login = login("l-forged");
        Response response = given().redirects().follow(false).cookie("orch_session", login.sessionCookie())
                .queryParam("id_token_hint", tokens(login).getString("id_token")).queryParam("post_logout_redirect_uri", BYE)
                .queryParam("state", "bye-3").get("/logout");
        String state = Forms.query(response.header("Location")).get("state");
        int middle = state.length() / 2;
        String altered = state.substring(0, middle) + (state.charAt(middle) == 'A' ? 'B' : 'A') + state.substring(middle + 1);

        Response refused = given().redirects().follow(false).queryParam("state", altered).get("/logout/done");

        assertEquals(400, refused.statusCode());
        assertNull(refused.header("Location"));
        assertTrue(refused.body().asString().contains("sign-out answer"), refused.body().asString());
        // the genuine one returns to the client
        assertEquals(BYE + "?state=bye-3", given().redirects().follow(false).queryParam("state", state).get("/logout/done")
                .header("Location"));
    }

    @Test
    void anIdpWithLogoutUpstreamFalseIsLeftAloneTheLogoutFinishesHere() {
        Logins.Login login = Logins.login(Logins.APP, Logins.REDIRECT, Logins.SCOPE, "quiet-" + UUID.randomUUID(), null,
                Map.of("idp_hint", "quiet-idp"));
        JsonPath tokens = tokens(login);
        Response response = given().redirects().follow(false).cookie("orch_session", login.sessionCookie())
                .queryParam("id_token_hint", tokens.getString("id_token")).queryParam("post_logout_redirect_uri", BYE)
                .queryParam("state", "bye-q").get("/logout");

        assertEquals(302, response.statusCode());
        assertEquals(BYE + "?state=bye-q", response.header("Location"));
        expiresSessionCookie(response);
        assertFalse(sessionLives(login.sessionCookie()));
        assertFalse(TestWorld.upstream.endSessions.stream().anyMatch(q -> tokens.getString("upstream_id_token").equals(q.get("id_token_hint"))));
    }

    // ---- requests that end nothing ---------------------------------------------------------------

    @Test
    void logoutWithoutSessionOrRedirectShowsTheSignedOutPage() {
        given().redirects().follow(false).get("/logout").then().statusCode(200).body(containsString("signed out"));
        // a confirmation from a browser without a session: nothing to end, nothing to refuse
        postLogout(null, Map.of("confirm", "yes")).then().statusCode(200).body(containsString("signed out"));
    }

    @Test
    void anUnregisteredPostLogoutRedirectIsAnErrorPage() {
        Logins.Login login = login("l-2");
        Response response = given().redirects().follow(false).cookie("orch_session", login.sessionCookie())
                .queryParam("id_token_hint", tokens(login).getString("id_token"))
                .queryParam("post_logout_redirect_uri", "https://evil.example/").get("/logout");
        assertEquals(400, response.statusCode());
        assertNull(response.header("Location"));
        assertTrue(sessionLives(login.sessionCookie()));
    }

    @Test
    void aForeignIdTokenHintIsAnErrorPage() {
        Logins.Login login = login("l-3");
        String upstream = tokens(login).getString("upstream_id_token");
        given().redirects().follow(false).queryParam("id_token_hint", upstream)
                .queryParam("post_logout_redirect_uri", BYE).get("/logout").then().statusCode(400);
        given().redirects().follow(false).queryParam("id_token_hint", "garbage").get("/logout").then().statusCode(400);
    }

    @Test
    void aRedirectWithoutHintOrClientIsRefused() {
        given().redirects().follow(false).queryParam("post_logout_redirect_uri", BYE).get("/logout")
                .then().statusCode(400);
        // no session in this browser: nothing to end or ask, straight back to the registered URI
        given().redirects().follow(false).queryParam("client_id", "test-app").queryParam("post_logout_redirect_uri", BYE)
                .get("/logout").then().statusCode(302).header("Location", BYE);
    }
}
