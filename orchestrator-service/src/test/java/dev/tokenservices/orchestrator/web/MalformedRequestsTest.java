package dev.tokenservices.orchestrator.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.testsupport.HostileTargets;
import dev.tokenservices.testsupport.RawHttp;
import dev.tokenservices.testsupport.RawHttp.Answer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile requests that fail before any resource runs: an error page where a browser is sent
 * ({@code /authorize}, {@code /callback}, {@code /logout}), RFC 6749 §5.2 JSON on the API; never an
 * empty body or a 5xx. Sent on a raw socket: client libraries re-encode such URLs.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class MalformedRequestsTest {

    static final List<String> BROWSER = List.of("/authorize", "/callback", "/logout");
    static final List<String> API_GET = List.of("/jwks", "/.well-known/openid-configuration", "/userinfo");

    @TestHTTPResource("/")
    URL base;

    RawHttp http;

    @BeforeEach
    void connect() {
        http = new RawHttp(base);
    }

    @Test
    void aBrokenEscapeOnABrowserPageIsAnErrorPage() throws Exception {
        assertPage(400, "This address is malformed", http.get("/authorize?client_id=test-app&redirect_uri=%zz", ""));
        assertPage(400, "This address is malformed", http.get("/callback?code=%4&state=s", ""));
        assertPage(400, "This address is malformed", http.get("/logout?id_token_hint=%", ""));
        assertPage(400, "This address is malformed", http.get("/authorize%zz", ""));
    }

    @Test
    void aBrokenEscapeOnTheApiIsInvalidRequest() throws Exception {
        for (String path : API_GET) {
            assertInvalidRequest(400, "'%'", http.get(path + "?x=%zz", ""));
        }
        assertInvalidRequest(400, "'%'", http.postForm("/token?x=%zz", "grant_type=authorization_code"));
    }

    @Test
    void aUriOver16KiBIs414WithABody() throws Exception {
        assertPage(414, "This address is too long", http.get("/authorize?state=" + "a".repeat(20_000), ""));
        assertPage(414, "This address is too long", http.get("/authorize?" + "c=&".repeat(10_000), ""));
        assertInvalidRequest(414, "longer than 16384", http.get("/jwks?x=" + "a".repeat(20_000), ""));
        assertInvalidRequest(414, "longer than 16384", http.postForm("/token?x=" + "a".repeat(40_000), "grant_type=x"));
    }

    @Test
    void aRepeatedParameterIsAnErrorPageNotARedirect() throws Exception {
        Answer answer = http.get("/authorize?response_type=code&client_id=test-app&client_id=other-app&redirect_uri=x", "");
        assertPage(400, null, answer);
        assertNull(answer.header("Location"));
    }

    @Test
    void requestsVertxRefusesBeforeRoutingGetThePathsAnswer() throws Exception {
        assertInvalidRequest(400, "malformed", http.send("GET /jwks HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assertPage(400, "This request cannot be handled", http.send("GET /authorize HTTP/1.1\r\nHost: localhost:abc\r\nConnection: close\r\n\r\n"));
        assertInvalidRequest(404, "no such endpoint", http.get("jwks", ""));
        assertInvalidRequest(413, "too large", http.postForm("/token", "a".repeat(70_000)));
        assertPage(413, "This request is too large", http.postForm("/authorize", "a".repeat(70_000)));
    }

    @Test
    void anOverlongCookieUnderTheHeaderLimitIsAnsweredNormally() throws Exception {
        Answer answer = http.get("/authorize", "Cookie: orch_session=" + "x".repeat(15_000) + "\r\n");
        assertPage(400, null, answer);
    }

    @Test
    void headAndOptionsNeverFail() throws Exception {
        for (String path : Stream.concat(Stream.concat(BROWSER.stream(), API_GET.stream()), Stream.of("/token")).toList()) {
            int head = http.request("HEAD", path).status();
            assertTrue(head >= 200 && head < 500, "HEAD " + path + " → " + head);
            Answer options = http.request("OPTIONS", path);
            assertEquals(200, options.status(), "OPTIONS " + path);
            assertNotNull(options.header("Allow"), "OPTIONS " + path);
        }
    }

    @Test
    void fuzzedUrlsNeverGetA5xxOrAnEmptyError() throws Exception {
        List<String> paths = Stream.concat(Stream.concat(BROWSER.stream(), API_GET.stream()), Stream.of("/token", "/")).toList();
        for (String target : HostileTargets.generate(12, paths, 300)) {
            Answer answer = http.get(target, "");
            assertTrue(answer.status() >= 200 && answer.status() < 500, target + " → " + answer);
            // RFC 6750 §3.1: a request to /userinfo without a token gets a bare 401 and WWW-Authenticate
            if (answer.status() >= 400 && !(answer.status() == 401 && answer.header("WWW-Authenticate") != null)) {
                assertFalse(answer.body().isEmpty(), target + " → " + answer);
                String type = answer.header("Content-Type");
                assertTrue(String.valueOf(type).startsWith("application/json") && answer.body().contains("\"error\":\"")
                        || String.valueOf(type).startsWith("text/html") && answer.body().contains("<title>"), target + " → " + answer);
            }
        }
    }

    /** @param title the page's title, or null for any */
    static void assertPage(int status, String title, Answer answer) {
        assertEquals(status, answer.status(), answer.toString());
        assertTrue(String.valueOf(answer.header("Content-Type")).startsWith("text/html"), answer.toString());
        assertEquals("no-store", answer.header("Cache-Control"), answer.toString());
        assertEquals("DENY", answer.header("X-Frame-Options"), answer.toString());
        assertTrue(answer.body().contains(title == null ? "<title>" : "<title>" + title + " · TokenServices</title>"), answer.toString());
        assertTrue(answer.body().contains("<p id=\"error\" class=\"error\">"), answer.toString());
    }

    static void assertInvalidRequest(int status, String description, Answer answer) {
        assertEquals(status, answer.status(), answer.toString());
        assertTrue(String.valueOf(answer.header("Content-Type")).startsWith("application/json"), answer.toString());
        assertEquals("no-store", answer.header("Cache-Control"), answer.toString());
        assertTrue(answer.body().startsWith("{\"error\":\"invalid_request\",\"error_description\":\""), answer.toString());
        assertTrue(answer.body().contains(description), answer.toString());
    }
}
