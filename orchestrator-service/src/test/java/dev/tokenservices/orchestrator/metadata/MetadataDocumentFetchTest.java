package dev.tokenservices.orchestrator.metadata;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Browser;
import dev.tokenservices.orchestrator.support.DocumentServer;
import dev.tokenservices.orchestrator.support.DocumentWorld;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.UnvettedClients;
import dev.tokenservices.orchestrator.support.UnvettedLogins;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metadata fetch against hostile servers, with the loopback switch on (the servers are local):
 * every document that is not a plain, small, prompt, honest JSON document is refused with an error
 * page, within about the 2 s bound, and the orchestrator keeps answering everyone else.
 */
@QuarkusTest
@TestProfile(UnvettedClients.class)
class MetadataDocumentFetchTest {

    static DocumentServer server;
    /** Another https server whose certificate nobody trusts. */
    static DocumentServer stranger;

    @BeforeAll
    static void start() throws Exception {
        server = DocumentWorld.documents;
        stranger = new DocumentServer("127.0.0.1");
    }

    @AfterAll
    static void stop() {
        stranger.close();
    }

    /** A document of the given URL, well-formed, that lists https://doc.example/cb. */
    static String document(String url) {
        return "{\"client_id\":\"" + url + "\",\"redirect_uris\":[\"https://doc.example/cb\"]}";
    }

    static Response authorize(String clientId) {
        return new Browser().get("/authorize", UnvettedLogins.request(clientId, "https://doc.example/cb", "openid", Logins.verifier(), "s", "n"));
    }

    /** Refused with a page saying {@code why}, no redirect, within {@code maxMs}. */
    static void refused(String clientId, String why, long maxMs) {
        long start = System.nanoTime();
        Response response = authorize(clientId);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(400, response.statusCode(), response.body().asString());
        assertNull(response.header("Location"));
        String html = response.body().asString();
        assertTrue(html.contains(why), html);
        assertTrue(ms < maxMs, "answered after " + ms + " ms");
    }

    private static String path() {
        return "/" + UUID.randomUUID() + ".json";
    }

    @Test
    void aWellFormedDocumentIsAccepted() {
        String path = path();
        server.json(path, document(server.url(path)), null);
        assertEquals(200, authorize(server.url(path)).statusCode());
    }

    @Test
    void aRedirectIsNotFollowed() {
        String target = path();
        server.json(target, document(server.url(target)), null);
        String path = path();
        server.route(path, exchange -> {
            exchange.getResponseHeaders().set("Location", server.url(target));
            DocumentServer.send(exchange, 302, new byte[0]);
        });
        refused(server.url(path), "answered with a redirect (HTTP 302), which is not followed", 2500);
        assertEquals(0, server.hits(target));
    }

    @Test
    void aDocumentLargerThanFiveKilobytesIsRefusedWhateverItsLengthSays() {
        String padded = "{\"client_id\":\"x\",\"redirect_uris\":[\"https://doc.example/cb\"],\"client_uri\":\"https://doc.example/" + "a".repeat(6000) + "\"}";
        String declared = path();
        server.json(declared, padded, null);
        refused(server.url(declared), "is larger than 5120 bytes", 2500);
        String chunked = path();
        server.route(chunked, exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            try (var out = exchange.getResponseBody()) {
                for (int i = 0; i < 64; i++) {
                    out.write(" ".repeat(1024).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (java.io.IOException e) {
                // cut off: expected
            }
        });
        refused(server.url(chunked), "is larger than 5120 bytes", 2500);
    }

    @Test
    void aServerThatDripsItsBytesIsCutOffAfterTwoSeconds() {
        String path = path();
        server.drip(path, 100, 30);
        long start = System.nanoTime();
        refused(server.url(path), "was not received within 2 s", 3500);
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 1900, "the bound is the whole fetch, not each read");
    }

    @Test
    void aDocumentWhoseClientIdIsAnotherUrlIsRefused() {
        String path = path();
        server.json(path, document(server.url("/someone-else.json")), null);
        refused(server.url(path), "client_id must be exactly the URL it was fetched from", 2500);
    }

    @Test
    void dishonestOrBrokenDocumentsAreRefused() {
        String html = path();
        server.route(html, exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            DocumentServer.send(exchange, 200, document(server.url(html)).getBytes(StandardCharsets.UTF_8));
        });
        refused(server.url(html), "is not application/json", 2500);
        String broken = path();
        server.route(broken, exchange -> DocumentServer.send(exchange, 500, "oops".getBytes(StandardCharsets.UTF_8)));
        refused(server.url(broken), "answered HTTP 500", 2500);
        String secret = path();
        server.json(secret, "{\"client_id\":\"" + server.url(secret) + "\",\"redirect_uris\":[\"https://doc.example/cb\"],"
                + "\"token_endpoint_auth_method\":\"client_secret_basic\"}", null);
        refused(server.url(secret), "token_endpoint_auth_method must be one of none, private_key_jwt", 2500);
        String garbage = path();
        server.json(garbage, "{\"client_id\":", null);
        refused(server.url(garbage), "is not valid JSON", 2500);
    }

    @Test
    void aServerWhoseCertificateIsNotTrustedIsRefused() {
        String path = path();
        stranger.json(path, document(stranger.url(path)), null);
        refused(stranger.url(path), "the TLS handshake failed", 2500);
        assertEquals(0, stranger.hits(path));
    }

    @Test
    void theLoopbackSwitchOpensLoopbackOnlyAndJwksUriIsFetchedUnderTheSameRules() {
        refused("https://10.0.0.1/client.json", "10.0.0.1 is a private (RFC 1918) address", 2500);
        refused("https://169.254.169.254/latest/meta-data/iam", "169.254.169.254 is a link-local address", 2500);
        String path = path();
        server.json(path, "{\"client_id\":\"" + server.url(path) + "\",\"redirect_uris\":[\"https://doc.example/cb\"],"
                + "\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks_uri\":\"https://169.254.169.254/keys\"}", null);
        refused(server.url(path), "169.254.169.254 is a link-local address", 2500);
        String plain = path();
        server.json(plain, "{\"client_id\":\"" + server.url(plain) + "\",\"redirect_uris\":[\"https://doc.example/cb\"],"
                + "\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks_uri\":\"http://127.0.0.1/keys\"}", null);
        refused(server.url(plain), "jwks_uri must be an https URL", 2500);
    }

    @Test
    void aFloodOfDistinctSlowDocumentsIsBoundedAndEveryoneElseIsStillServed() throws Exception {
        given().get("/.well-known/openid-configuration").then().statusCode(200);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String path = path();
                server.drip(path, 200, 10);
                answers.add(pool.submit(() -> authorize(server.url(path))));
            }
            Thread.sleep(300);
            long start = System.nanoTime();
            given().get("/.well-known/openid-configuration").then().statusCode(200);
            long discoveryMs = (System.nanoTime() - start) / 1_000_000;
            int busy = 0;
            for (Future<Response> answer : answers) {
                Response response = answer.get();
                assertNull(response.header("Location"));
                if (response.statusCode() == 503) {
                    busy++;
                    assertTrue(response.body().asString().contains("too many client metadata documents are being fetched"));
                } else {
                    assertEquals(400, response.statusCode());
                }
            }
            // orchestrator.cimd.max-concurrent-fetches is 4 in this profile
            assertTrue(busy >= 8, busy + " of 12 refused at once");
            assertTrue(discoveryMs < 1000, "discovery waited " + discoveryMs + " ms for the flood");
        } finally {
            pool.shutdownNow();
        }
    }
}
