package dev.tokenservices.token.authority;

import static dev.tokenservices.token.support.Fixtures.EXCHANGER;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER_SECRET;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.TestWorld.authorities;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.core.authority.AuthorityCalls;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fan-out when this service itself is too busy to ask: with one call in flight per authority and
 * one waiting, a third exchange in flight is answered 503 — its scopes are not silently dropped, the
 * authority's circuit is not blamed, and the calls already accepted are answered. A call waiting for
 * the place is bounded by the authority's {@code timeout_ms} from the moment it was asked, not from the
 * moment it got the place.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
@TestProfile(ScopeAuthoritiesTest.OneCallAtATime.class)
class ScopeAuthoritiesTest {

    static final String EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String GATE = "https://api.example/gate";

    public static class OneCallAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ts.authorities.max-concurrent-calls", "1", "ts.authorities.max-waiting", "1",
                    "ts.authorities.circuit-failure-threshold", "2", "ts.authorities.circuit-open-duration", "1s");
        }
    }

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Inject
    AuthorityCalls calls;

    @Inject
    Vertx vertx;

    private static ExtractableResponse<Response> exchange(String sub) {
        return exchange(sub, "gate.read");
    }

    private static ExtractableResponse<Response> exchange(String sub, String scope) {
        return form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", EXCHANGE).formParam("subject_token", issuer.idToken(sub))
                .formParam("subject_token_type", ID_TOKEN).formParam("scope", scope)
                .post("/token").then().extract();
    }

    @Test
    void anOpenCircuitLetsOneTrialThroughAfterItsOpenPeriodAndAFailedTrialReopensIt() throws Exception {
        int calls = authorities.calls.get("flaky").get();
        for (int i = 0; i < 2; i++) {
            assertEquals("acc.read", exchange("ann-001", "flaky.read acc.read").path("scope"), "a failure drops only its scopes");
        }
        assertEquals(calls + 2, authorities.calls.get("flaky").get());
        assertEquals("acc.read", exchange("ann-001", "flaky.read acc.read").path("scope"));
        assertEquals(calls + 2, authorities.calls.get("flaky").get(), "two failures in a row opened the circuit: nothing sent");
        RestAssured.given().get(metrics).then()
                .body(containsString("ts_authority_circuit_open{resource=\"https://api.example/flaky\"} 1.0"))
                .body(containsString("ts_authority_failures_total{reason=\"circuit_open\",resource=\"https://api.example/flaky\"}"));

        Thread.sleep(1300);
        assertEquals("acc.read", exchange("ann-001", "flaky.read acc.read").path("scope"));
        assertEquals(calls + 3, authorities.calls.get("flaky").get(), "after the open period one trial call is sent");
        assertEquals("acc.read", exchange("ann-001", "flaky.read acc.read").path("scope"));
        assertEquals(calls + 3, authorities.calls.get("flaky").get(), "the failed trial re-opened the circuit");
        RestAssured.given().get(metrics).then()
                .body(containsString("ts_authority_circuit_open{resource=\"https://api.example/flaky\"} 1.0"));
    }

    @Test
    void aFullBulkheadIsA503NotADroppedScopeNorAnOpenCircuit() throws Exception {
        int asked = authorities.calls.get("gate").get();
        authorities.gate = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            CompletableFuture<ExtractableResponse<Response>> holding = CompletableFuture.supplyAsync(() -> exchange("ann-001"), threads);
            awaitCalls(asked + 1); // the one place is taken, at the authority
            List<CompletableFuture<ExtractableResponse<Response>>> more = List.of(
                    CompletableFuture.supplyAsync(() -> exchange("bob-002"), threads),
                    CompletableFuture.supplyAsync(() -> exchange("cat-003"), threads));
            // one of the two waits for the place, the other finds the queue full and is refused at once
            ExtractableResponse<Response> refused = (ExtractableResponse<Response>) CompletableFuture.anyOf(more.toArray(CompletableFuture[]::new))
                    .get(10, TimeUnit.SECONDS);
            assertEquals(503, refused.statusCode());
            assertEquals("temporarily_unavailable", refused.path("error"));
            assertEquals("too many requests in flight to ask the scope authority for " + GATE + "; try again shortly",
                    refused.path("error_description"));
            assertEquals(null, (Object) refused.path("access_token"));
            assertEquals("no-store", refused.header("Cache-Control"));
            RestAssured.given().get(metrics).then()
                    .body(containsString("ts_authority_failures_total{reason=\"overloaded\",resource=\"" + GATE + "\"} 1.0"))
                    .body(containsString("ts_authority_circuit_open{resource=\"" + GATE + "\"} 0.0"));

            authorities.gate.countDown();
            assertEquals("gate.read", holding.get(20, TimeUnit.SECONDS).path("scope"), "the call holding the place is answered");
            long answered = more.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 200).count();
            assertEquals(1, answered, "the waiting call is answered once the place is free");
        } finally {
            authorities.gate.countDown();
            threads.shutdownNow();
        }
        assertEquals("gate.read", exchange("dan-004").path("scope"), "the next exchange asks again");
    }

    @Test
    void aCallWaitingForThePlaceOfASilentAuthorityEndsAtItsOwnDeadline() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (LoopbackAuthority silent = new LoopbackAuthority(exchange -> {
            try {
                never.await(30, TimeUnit.SECONDS); // reads the request, never answers
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        })) {
            String name = "https://api.example/silent";
            // two calls at once from the same event loop: the first takes the one place, the second waits for it
            List<LoopbackAuthority.Asked> asked = LoopbackAuthority.askAtOnce(vertx, calls, silent.resource(name, 1000), 2);
            for (LoopbackAuthority.Asked call : asked) {
                assertTrue(call.result().failed(), "a silent authority grants nothing");
            }
            assertTrue(silent.received.get() >= 1, "the first call reached the authority");
            long inFlightMs = asked.get(0).elapsedMs();
            long waitingMs = asked.get(1).elapsedMs();
            assertTrue(inFlightMs >= 1000, "the call in flight ends at its deadline, not before: " + inFlightMs + " ms");
            // counted from when it got the place it would end near 2,000 ms
            assertTrue(waitingMs < 1700, "the waiting call ends at its own deadline (1,000 ms), not a second later: "
                    + waitingMs + " ms");
            RestAssured.given().get(metrics).then()
                    .body(containsString("ts_authority_failures_total{reason=\"timeout\",resource=\"" + name + "\"} 2.0"));
        } finally {
            never.countDown();
        }
    }

    private static void awaitCalls(int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (authorities.calls.get("gate").get() < atLeast) {
            assertTrue(System.nanoTime() < deadline, "the authority was never asked");
            Thread.sleep(10);
        }
    }
}
