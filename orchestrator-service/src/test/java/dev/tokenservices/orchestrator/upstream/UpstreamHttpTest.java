package dev.tokenservices.orchestrator.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.common.contenttype.ContentType;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.tokenservices.orchestrator.support.DocumentServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exchanges with an upstream IdP over https: trusted as the JDK trusts (its
 * {@code javax.net.ssl.trustStore} settings), bounded in time however the server sends, and answered as
 * they are (a redirect is an answer, not followed).
 */
class UpstreamHttpTest {

    private static DocumentServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new DocumentServer("127.0.0.1");
        server.json("/.well-known/openid-configuration", "{\"issuer\":\"https://idp.test\"}", "max-age=60");
        server.drip("/drip", 100, 5);
        server.route("/moved", exchange -> {
            exchange.getResponseHeaders().set("Location", server.url("/.well-known/openid-configuration"));
            DocumentServer.send(exchange, 302, new byte[0]);
        });
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A GET through a fresh client (its own TLS set-up), the JDK trusting the server's certificate or only its own roots. */
    private static <T> T get(String path, int timeoutMillis, boolean trustServer, Function<HTTPRequest, T> exchange) {
        Map<String, String> saved = new LinkedHashMap<>();
        for (String name : new String[] {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"}) {
            saved.put(name, System.getProperty(name));
        }
        if (trustServer) {
            System.setProperty("javax.net.ssl.trustStore", server.trustStore().toString());
            System.setProperty("javax.net.ssl.trustStorePassword", DocumentServer.PASSWORD);
            System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        }
        try {
            HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, URI.create(server.url(path)));
            request.setAccept("application/json");
            request.setConnectTimeout(timeoutMillis);
            return exchange.apply(request);
        } finally {
            saved.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
        }
    }

    private static HTTPResponse send(HTTPRequest request) {
        Vertx vertx = Vertx.vertx();
        UpstreamHttp http = new UpstreamHttp(vertx);
        try {
            return http.send(request, request.getConnectTimeout()).await().atMost(Duration.ofSeconds(10));
        } finally {
            http.close();
            vertx.close();
        }
    }

    @Test
    void aServerTheJdkTrustsIsAnswered() throws Exception {
        HTTPResponse response = get("/.well-known/openid-configuration", 2_000, true, UpstreamHttpTest::send);
        assertEquals(200, response.getStatusCode());
        assertTrue(response.getEntityContentType().matches(ContentType.APPLICATION_JSON));
        assertEquals("https://idp.test", response.getBodyAsJSONObject().get("issuer"));
        assertEquals("max-age=60", response.getHeaderValue("Cache-Control"));
    }

    @Test
    void aServerTheJdkDoesNotTrustIsNotAnswered() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> get("/.well-known/openid-configuration", 2_000, false,
                UpstreamHttpTest::send));
        assertTrue(e.getCause() instanceof IOException, String.valueOf(e.getCause()));
    }

    @Test
    void aServerThatDripsIsCutOffAtTheTimeout() {
        long started = System.nanoTime();
        RuntimeException e = assertThrows(RuntimeException.class, () -> get("/drip", 500, true, UpstreamHttpTest::send));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals("no answer within 500 ms", e.getCause().getMessage());
        assertTrue(millis < 2_500, "took " + millis + " ms");
    }

    @Test
    void aRedirectIsAnsweredNotFollowed() {
        HTTPResponse response = get("/moved", 2_000, true, UpstreamHttpTest::send);
        assertEquals(302, response.getStatusCode());
        assertEquals(server.url("/.well-known/openid-configuration"), response.getHeaderValue("Location"));
    }
}
