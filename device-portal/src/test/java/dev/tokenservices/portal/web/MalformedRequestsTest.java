package dev.tokenservices.portal.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.testsupport.HostileTargets;
import dev.tokenservices.testsupport.RawHttp;
import dev.tokenservices.testsupport.RawHttp.Answer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile requests get a page in the portal's look with the right status, never an empty body or a
 * 5xx. Sent on a raw socket: client libraries re-encode such URLs.
 */
@QuarkusTest
class MalformedRequestsTest {

    static final String REFUSED = "Request not accepted";

    @TestHTTPResource("/")
    URL base;

    RawHttp http;

    @BeforeEach
    void connect() {
        http = new RawHttp(base);
    }

    @Test
    void aBrokenEscapeInTheCodeLinkIsAPage() throws Exception {
        assertPage(400, REFUSED, http.get("/device?user_code=%zz", ""));
        assertPage(400, REFUSED, http.get("/device?user_code=BCDF-%4", ""));
        assertPage(400, REFUSED, http.get("/dev%zzice", ""));
    }

    @Test
    void aBrokenEscapeIsRefusedBeforeTheLoginIsAttempted() throws Exception {
        // the OIDC provider is not running in this test: reaching the login would answer 503
        assertPage(400, REFUSED, http.get("/device/consent?user_code=%zz", ""));
        assertPage(400, REFUSED, http.get("/callback?code=%zz&state=x", ""));
    }

    @Test
    void aUriOver16KiBIs414WithAPage() throws Exception {
        assertPage(414, REFUSED, http.get("/device?user_code=" + "B".repeat(20_000), ""));
        assertPage(414, REFUSED, http.get("/device?" + "c=&".repeat(10_000), ""));
        assertEquals(200, http.get("/device?user_code=" + "B".repeat(16_000), "").status(), "up to 16 KiB is read");
    }

    @Test
    void requestsRefusedBeforeAnyPageRunsAre4xxPages() throws Exception {
        assertPage(400, REFUSED, http.send("GET /device HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assertPage(400, REFUSED, http.send("GET /device HTTP/1.1\r\nHost: localhost:abc\r\nConnection: close\r\n\r\n"));
        assertPage(404, REFUSED, http.get("device", ""));
        assertPage(400, REFUSED, http.get("/device", "Accept: ;;;/==,*/*;q=abc\r\n"));
        assertPage(413, REFUSED, http.postForm("/device", "user_code=" + "B".repeat(70_000)));
    }

    @Test
    void anOverlongCookieUnderTheHeaderLimitIsIgnored() throws Exception {
        assertPage(200, "Connect a device", http.get("/device", "Cookie: q_session_Default_portal=" + "x".repeat(15_000) + "\r\n"));
    }

    @Test
    void headAndOptionsNeverFail() throws Exception {
        assertEquals(200, http.request("HEAD", "/device").status());
        assertEquals(200, http.request("HEAD", "/portal.css").status());
        Answer options = http.request("OPTIONS", "/device");
        assertEquals(200, options.status());
        assertNotNull(options.header("Allow"));
        Answer css = http.request("OPTIONS", "/portal.css");
        assertEquals(404, css.status());
        assertTrue(css.body().contains("<title>" + REFUSED + " · TokenServices</title>"), css.toString());
    }

    @Test
    void fuzzedUrlsNeverGetA5xxOrAnEmptyPage() throws Exception {
        for (String target : HostileTargets.generate(13, List.of("/device", "/device/login-error", "/portal.css", "/"), 300)) {
            Answer answer = http.get(target, "");
            assertTrue(answer.status() >= 200 && answer.status() < 500, target + " → " + answer);
            assertFalse(answer.body().isEmpty(), target + " → " + answer);
            if (answer.status() >= 400) {
                assertTrue(String.valueOf(answer.header("Content-Type")).startsWith("text/html"), target + " → " + answer);
                assertTrue(answer.body().contains("<title>"), target + " → " + answer);
            }
        }
    }

    static void assertPage(int status, String title, Answer answer) {
        assertEquals(status, answer.status(), answer.toString());
        assertTrue(String.valueOf(answer.header("Content-Type")).startsWith("text/html"), answer.toString());
        assertEquals("no-store", answer.header("Cache-Control"), answer.toString());
        assertEquals("DENY", answer.header("X-Frame-Options"), answer.toString());
        assertNotNull(answer.header("Content-Security-Policy"), answer.toString());
        assertTrue(answer.body().contains("<title>" + title + " · TokenServices</title>"), answer.toString());
    }
}
