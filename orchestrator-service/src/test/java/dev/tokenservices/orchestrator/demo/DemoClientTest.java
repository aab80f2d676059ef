package dev.tokenservices.orchestrator.demo;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Chromium;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.orchestrator.web.Pages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.net.URL;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The demo client, in a build that includes it (as ./run.sh builds): /demo starts a code flow at this
 * orchestrator like any web app would, and its page shows what came back: the scope granted (not the
 * one asked for), each token with its claims, the refresh token, on a page that fits a phone. The
 * production build has no /demo (PackagedOrchestratorIT).
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
@TestProfile(DemoClientTest.WithTheDemo.class)
class DemoClientTest {

    static final String ISSUER = "http://localhost:8082";
    static final String SECRET = "demo-app-secret-0123456789abcdefghij";
    private static final Pattern REFRESH = Pattern.compile(
            "<h2 id=\"section-\\d+\">refresh_token</h2>\\s*<p>[^<]*</p>\\s*<details class=\"token\" open>\\s*<summary>[^<]+</summary>\\s*<pre class=\"token\">([^<]+)</pre>");

    public static class WithTheDemo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orchestrator.demo.enabled", "true", "orchestrator.demo.client-secret", SECRET);
        }
    }

    @TestHTTPResource("/")
    URL base;

    /** A URL of this orchestrator (its issuer) as a path for the test's own port. */
    private static String local(String location) {
        assertTrue(location.startsWith(ISSUER + "/"), location);
        return location.substring(ISSUER.length());
    }

    /** The demo's whole login, as the browser goes: /demo, /authorize, the upstream, /callback, /demo/callback. */
    private static Response loggedInThroughTheDemo() {
        Response start = given().redirects().follow(false).get("/demo");
        assertEquals(302, start.statusCode());
        // three upstream IdPs in the test registry: the chooser's first choice
        Response toUpstream = given().redirects().follow(false).urlEncodingEnabled(false)
                .get(local(start.header("Location")) + "&idp_hint=test-idp");
        assertEquals(302, toUpstream.statusCode(), toUpstream.body().asString());
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String code = TestWorld.upstream.code("demo-" + UUID.randomUUID(), up.get("nonce"), up.get("code_challenge"));
        Response callback = given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream))
                .queryParam("code", code).queryParam("state", up.get("state")).get("/callback");
        assertEquals(302, callback.statusCode(), callback.body().asString());
        Response page = given().redirects().follow(false).urlEncodingEnabled(false).get(local(callback.header("Location")));
        assertEquals(200, page.statusCode(), page.body().asString());
        assertEquals(Pages.CONTENT_SECURITY_POLICY, page.header("Content-Security-Policy"));
        assertEquals("no-store", page.header("Cache-Control"));
        return page;
    }

    @Test
    void theDemoStartsACodeFlowWithPkceAtThisOrchestrator() {
        given().redirects().follow(false).get("/demo").then().statusCode(302)
                .header("Cache-Control", "no-store")
                .header("Location", startsWith("http://localhost:8082/authorize?response_type=code&client_id=demo-app"
                        + "&redirect_uri=http%3A%2F%2Flocalhost%3A8082%2Fdemo%2Fcallback"))
                .header("Location", containsString("&code_challenge_method=S256"));
    }

    @Test
    void aCallbackWithoutItsStateShowsNothing() {
        given().get("/demo/callback?code=x&state=unknown").then().statusCode(200)
                .body(containsString("<h1 id=\"outcome\">Unknown or used state</h1>"));
    }

    @Test
    void anErrorFromTheOrchestratorIsShownAsText() {
        String html = given().queryParam("error", "<script>alert(1)</script>").queryParam("error_description", "<img src=x onerror=alert(2)>")
                .get("/demo/callback").then().statusCode(200).extract().body().asString();
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;: &lt;img src=x onerror=alert(2)&gt;"), html);
        assertFalse(html.contains("<script") || html.contains("<img"), html);
    }

    @Test
    void theResultShowsTheGrantedScopeNotTheRequestedOne() {
        String html = loggedInThroughTheDemo().body().asString();
        // demo-app asks for "openid profile email invoices.read media.play"; the registry allows it "openid email invoices.read"
        assertTrue(html.contains("<h1 id=\"outcome\">Signed in: what came back</h1>"), html);
        assertTrue(html.contains("<p id=\"granted-scope\">Granted scope: <code>openid email invoices.read</code></p>"), html);
        assertTrue(html.contains(">access_token <span class=\"scope\">(scope: <code>openid email invoices.read</code>)</span></h2>"), html);
        assertTrue(html.contains(">access_tokens[https://api.example/invoices] <span class=\"scope\">(scope: <code>invoices.read</code>)</span></h2>"), html);
        assertFalse(html.contains("media.play") || html.contains("profile"), "nothing beyond the granted scope: " + html);
        // the claims of the minted id_token, decoded
        assertTrue(html.contains("&quot;aud&quot; : &quot;demo-app&quot;"), html);
    }

    @Test
    void theResultShowsTheRefreshTokenThatCameBackAndItWorks() {
        Matcher refresh = REFRESH.matcher(loggedInThroughTheDemo().body().asString());
        assertTrue(refresh.find(), "the refresh token, shown open");
        given().auth().preemptive().basic("demo-app", SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refresh.group(1)).post("/token").then().statusCode(200);
    }

    @Test
    void theResultFitsA390PixelPhoneScreen() throws Exception {
        String html = loggedInThroughTheDemo().body().asString();
        Chromium.Layout layout = Chromium.layout(html, base, 390);
        assertEquals(390, layout.clientWidth(), layout.toString());
        assertTrue(layout.scrollWidth() <= 390, "no horizontal scrolling: " + layout);
        assertTrue(layout.widestElement() <= 390, "nothing past the right edge: " + layout);
    }
}
