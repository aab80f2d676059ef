package dev.tokenservices.token.endpoint;

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
 * Hostile requests that fail before any endpoint runs get RFC 6749 §5.2 JSON with the right status,
 * never an empty body or a 5xx. Sent on a raw socket: client libraries re-encode such URLs.
 */
@QuarkusTest
class MalformedRequestsTest {

    static final List<String> GET_ENDPOINTS = List.of("/jwks", "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server");
    static final List<String> POST_ENDPOINTS = List.of("/token", "/introspect", "/revoke", "/device_authorization");

    @TestHTTPResource("/")
    URL base;

    RawHttp http;

    @BeforeEach
    void connect() {
        http = new RawHttp(base);
    }

    @Test
    void aBrokenEscapeInTheQueryIsInvalidRequest() throws Exception {
        for (String path : GET_ENDPOINTS) {
            assertInvalidRequest(400, "'%'", http.get(path + "?x=%zz", ""));
        }
        for (String path : POST_ENDPOINTS) {
            assertInvalidRequest(400, "'%'", http.postForm(path + "?x=%4", "grant_type=client_credentials"));
        }
        assertInvalidRequest(400, "'%'", http.get("/jwks?%zz=1", ""));
        assertInvalidRequest(400, "'%'", http.get("/jwks?x=%", ""));
    }

    @Test
    void aBrokenEscapeInThePathIsInvalidRequest() throws Exception {
        assertInvalidRequest(400, "'%'", http.get("/jw%zzks", ""));
        assertInvalidRequest(400, "'%'", http.get("/jwks;a=%zz", ""));
        assertInvalidRequest(404, "no such endpoint", http.get("/jwks%00", ""));
    }

    @Test
    void aUriOver16KiBIs414WithABody() throws Exception {
        assertInvalidRequest(414, "longer than 16384", http.get("/jwks?x=" + "a".repeat(20_000), ""));
        assertInvalidRequest(414, "longer than 16384", http.postForm("/token?x=" + "a".repeat(40_000), "grant_type=client_credentials"));
        assertInvalidRequest(414, "longer than 16384", http.get("/jwks?" + "a=1&".repeat(10_000), ""));
        assertEquals(200, http.get("/jwks?x=" + "a".repeat(16_000), "").status(), "up to 16 KiB is read");
    }

    @Test
    void requestsVertxRefusesBeforeRoutingAreInvalidRequest() throws Exception {
        assertInvalidRequest(400, "malformed", http.send("GET /jwks HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assertInvalidRequest(400, "malformed", http.send("GET /jwks HTTP/1.1\r\nHost: localhost:abc\r\nConnection: close\r\n\r\n"));
        assertInvalidRequest(404, "no such endpoint", http.get("jwks", ""));
        assertInvalidRequest(404, "no such endpoint", http.get("*", ""));
        assertInvalidRequest(413, "too large", http.postForm("/token", "a".repeat(70_000)));
    }

    @Test
    void aContentLengthShorterThanTheBodyAnswersTheFirstRequestInJson() throws Exception {
        Answer answer = http.send("POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 5\r\nConnection: close\r\n\r\ngrant_type=client_credentials");
        assertEquals(401, answer.status(), answer.toString());
        assertTrue(answer.body().contains("\"error\":\"invalid_client\""), answer.toString());
    }

    @Test
    void headAndOptionsNeverFail() throws Exception {
        for (String path : GET_ENDPOINTS) {
            assertEquals(200, http.request("HEAD", path).status(), "HEAD " + path);
        }
        for (String path : POST_ENDPOINTS) {
            assertEquals(405, http.request("HEAD", path).status(), "HEAD " + path);
        }
        for (String path : concat(GET_ENDPOINTS, POST_ENDPOINTS)) {
            Answer options = http.request("OPTIONS", path);
            assertEquals(200, options.status(), "OPTIONS " + path);
            assertNotNull(options.header("Allow"), "OPTIONS " + path);
        }
    }

    /**
     * What Vert.x' HTTP codec refuses never reaches a route: Quarkus does not let an application set
     * {@code HttpServer.invalidRequestHandler}, so these keep Vert.x' own empty answer; the point here
     * is that they stay 4xx.
     */
    @Test
    void codecRefusalsStay4xx() throws Exception {
        assertEquals(400, http.get("/jwks", "X-A: a\u0001b\r\n").status());
        assertEquals(431, http.get("/jwks", "Cookie: a=" + "b".repeat(20_000) + "\r\n").status());
        assertEquals(414, http.get("/jwks?x=" + "a".repeat(70_000), "").status());
    }

    @Test
    void fuzzedUrlsNeverGetA5xxOrAnEmptyError() throws Exception {
        for (String target : HostileTargets.generate(11, concat(GET_ENDPOINTS, POST_ENDPOINTS), 300)) {
            Answer answer = http.get(target, "");
            assertTrue(answer.status() >= 200 && answer.status() < 500, target + " → " + answer);
            assertFalse(answer.body().isEmpty(), target + " → " + answer);
            if (answer.status() >= 400) {
                assertTrue(String.valueOf(answer.header("Content-Type")).startsWith("application/json"), target + " → " + answer);
                assertTrue(answer.body().contains("\"error\":\""), target + " → " + answer);
            }
        }
    }

    static void assertInvalidRequest(int status, String description, Answer answer) {
        assertEquals(status, answer.status(), answer.toString());
        assertTrue(String.valueOf(answer.header("Content-Type")).startsWith("application/json"), answer.toString());
        assertEquals("no-store", answer.header("Cache-Control"), answer.toString());
        assertTrue(answer.body().startsWith("{\"error\":\"invalid_request\",\"error_description\":\""), answer.toString());
        assertTrue(answer.body().contains(description), answer.toString());
    }

    static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
