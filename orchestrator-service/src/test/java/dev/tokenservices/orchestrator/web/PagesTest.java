package dev.tokenservices.orchestrator.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The pages a person sees: one layout (language, title, a main landmark, the style sheet under a
 * strict CSP), an error page with a way back to the application when the registered client is
 * known (a link to its registered site, never to an address from the request) and words instead
 * when it is not, the status of each error unchanged, and hostile request values shown as text.
 * Their accessibility in a real browser is checked by e2e/orchestrator-pages.test.mjs (axe-core).
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class PagesTest {

    static final String HOSTILE = "\"><script>alert(1)</script><a href=\"https://evil.example/x\">";
    private static final Pattern LINK = Pattern.compile("<a [^>]*href=\"([^\"]*)\"[^>]*>");

    /** The shared layout and headers of every page. */
    private static String page(Response response, int status) {
        String html = response.body().asString();
        assertEquals(status, response.statusCode(), html);
        assertTrue(response.contentType().startsWith("text/html"), response.contentType());
        assertEquals(Pages.CONTENT_SECURITY_POLICY, response.header("Content-Security-Policy"));
        assertEquals("DENY", response.header("X-Frame-Options"));
        assertEquals("no-store", response.header("Cache-Control"));
        assertTrue(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"), html);
        assertTrue(html.contains("<link rel=\"stylesheet\" href=\"/orchestrator.css\">"), html);
        assertTrue(Pattern.compile("<title>[^<]+ · TokenServices</title>").matcher(html).find(), html);
        assertTrue(Pattern.compile("<main class=\"\\w+\">\\s*(<p [^>]+>[\\s\\S]*?</p>\\s*)?<h1[ >]").matcher(html).find(),
                "one main landmark opening with the page's h1: " + html);
        assertEquals(1, html.split("<main").length - 1, html);
        assertFalse(html.contains("<script") || html.contains("style="), "no inline script or style: " + html);
        return html;
    }

    /** Every link's target on the page. */
    private static java.util.List<String> links(String html) {
        java.util.List<String> out = new java.util.ArrayList<>();
        Matcher m = LINK.matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static void wayBack(String html, String url, String name) {
        assertTrue(html.contains("<a id=\"way-back\" href=\"" + url + "\">Return to " + name + "</a>"), html);
        assertFalse(html.contains("id=\"no-way-back\""), html);
    }

    private static void noWayBack(String html) {
        assertFalse(html.contains("id=\"way-back\""), html);
        assertTrue(html.contains("id=\"no-way-back\""), html);
        assertEquals(java.util.List.of(), links(html), "no link at all when the application is not known: " + html);
    }

    private static Response authorize(Map<String, String> params) {
        return given().redirects().follow(false).queryParams(params).get("/authorize");
    }

    @Test
    void theStyleSheetIsServed() {
        Response css = given().get("/orchestrator.css");
        assertEquals(200, css.statusCode());
        assertTrue(css.contentType().startsWith("text/css"), css.contentType());
        assertTrue(css.body().asString().contains("main {"));
    }

    // ---- the error page: a way back only to what the registry says ------------------------------

    @Test
    void anUnknownClientGetsNoLinkOnlyWordsAndItsNameAsText() {
        String html = page(authorize(Map.of("client_id", HOSTILE, "redirect_uri", "https://evil.example/cb")), 400);
        noWayBack(html);
        assertFalse(html.contains("evil.example/cb"), html);
        assertTrue(html.contains("The application &#39;&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&quot;http"), html);
        assertFalse(html.contains("<script") || html.contains("<a "), html);
        noWayBack(page(authorize(Map.of("redirect_uri", "https://evil.example/cb")), 400));
    }

    @Test
    void aKnownClientWithAnUnregisteredRedirectUriLinksToTheRegisteredSiteNeverToTheBogusOne() {
        for (String bogus : new String[] {"https://evil.example/cb", "https://app.example/cb/../evil", "https://app.example.evil.example/cb",
                "javascript:alert(1)//https://app.example/cb", HOSTILE}) {
            String html = page(authorize(Map.of("client_id", Logins.APP, "redirect_uri", bogus, "response_type", "code",
                    "scope", "openid", "state", HOSTILE)), 400);
            assertTrue(html.contains("The redirect_uri is not registered for the application &#39;test-app&#39;."), html);
            wayBack(html, "https://app.example/", "test-app");
            assertEquals(java.util.List.of("https://app.example/"), links(html), html);
            assertFalse(html.contains("evil") || html.contains("javascript:") || html.contains("<script"), html);
        }
    }

    @Test
    void aKnownClientWithoutRedirectUriLinksBackByItsName() {
        wayBack(page(authorize(Map.of("client_id", "demo-app")), 400), "http://localhost:8082/", "Demo client");
    }

    @Test
    void aValidatedRedirectUriLinksToItsOwnSite() {
        // test-app registers two sites: the one the request named (and the registry holds) is the way back
        String html = page(authorize(Map.of("client_id", Logins.APP, "redirect_uri", "http://127.0.0.1:9000/cb",
                "state", "s".repeat(1025))), 400);
        assertTrue(html.contains("The state parameter is longer than 1024 characters."), html);
        wayBack(html, "http://127.0.0.1:9000/", "test-app");
    }

    @Test
    void aCallbackWithoutItsLoginCookieHasNoWayBackAndKeepsItsStatus() {
        noWayBack(page(given().redirects().follow(false).queryParam("state", HOSTILE).queryParam("code", "c").get("/callback"), 400));
        noWayBack(page(given().redirects().follow(false).get("/callback"), 400));
    }

    @Test
    void aCallbackFromTheWrongIssuerLinksBackToTheClientOfTheSealedLogin() {
        Response toUpstream = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "st", "n", null, Map.of());
        assertEquals(302, toUpstream.statusCode());
        String upstreamState = Forms.query(toUpstream.header("Location")).get("state");
        Response answer = given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream)).queryParam("state", upstreamState)
                .queryParam("code", "c").queryParam("iss", "https://evil.example").get("/callback");
        String html = page(answer, 400);
        assertTrue(html.contains("The answer did not come from the identity provider this sign-in was sent to."), html);
        wayBack(html, "https://app.example/", "test-app");
        assertNull(answer.header("Location"));
    }

    // ---- sign-out pages ---------------------------------------------------------------------------

    @Test
    void anUnregisteredPostLogoutRedirectLinksToTheNamedClientOnly() {
        Response response = given().redirects().follow(false).queryParam("client_id", Logins.APP)
                .queryParam("post_logout_redirect_uri", "https://evil.example/bye").queryParam("state", HOSTILE).get("/logout");
        String html = page(response, 400);
        wayBack(html, "https://app.example/", "test-app");
        assertFalse(html.contains("evil"), html);
        noWayBack(page(given().redirects().follow(false).queryParam("client_id", HOSTILE)
                .queryParam("post_logout_redirect_uri", "https://evil.example/bye").get("/logout"), 400));
        noWayBack(page(given().redirects().follow(false).queryParam("id_token_hint", "garbage").get("/logout"), 400));
    }

    @Test
    void theSignOutQuestionShowsTheUserAndTheStateAsText() {
        Logins.Login login = Logins.login(HOSTILE + UUID.randomUUID());
        String html = page(given().redirects().follow(false).cookie("orch_session", login.sessionCookie())
                .queryParam("client_id", "demo-app").queryParam("state", HOSTILE).get("/logout"), 200);
        assertTrue(html.contains("<h1 id=\"confirm-logout\">Sign out of Demo client?</h1>"), html);
        assertTrue(html.contains("<strong id=\"user\">Test &quot;&gt;&lt;script&gt;"), html);
        assertTrue(html.contains("name=\"state\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), html);
        assertFalse(html.contains("<script"), html);
    }

    @Test
    void theSignedOutPageSharesTheLayout() {
        String html = page(given().redirects().follow(false).get("/logout"), 200);
        assertTrue(html.contains("<h1 id=\"logged-out\">You are signed out</h1>"), html);
    }

    // ---- the chooser ------------------------------------------------------------------------------

    @Test
    void theChooserListsTheIdpsAndCarriesHostileValuesEncoded() {
        Response response = authorize(Map.of("response_type", "code", "client_id", Logins.APP, "redirect_uri", Logins.REDIRECT,
                "scope", "openid", "state", HOSTILE, "nonce", "n", "code_challenge", Forms.s256(Logins.verifier()),
                "code_challenge_method", "S256"));
        String html = page(response, 200);
        assertTrue(html.contains("<h1>Choose how to sign in</h1>"), html);
        java.util.List<String> links = links(html);
        assertEquals(8, links.size(), "one link per upstream IdP of the test registry: " + html);
        for (String link : links) {
            assertTrue(link.startsWith("/authorize?"), link);
            assertTrue(link.contains("state=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"), link);
        }
        assertFalse(html.contains("<script"), html);
    }
}
