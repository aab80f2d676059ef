package dev.tokenservices.token.authority;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.core.authority.AuthorityCalls;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A flood of calls to a healthy authority, more than it can answer within their deadline: the calls
 * that waited past it fail for their callers (as timeouts, their resource's {@code on_failure}), but they
 * are never sent and never counted against the authority, whose circuit stays closed. Only calls the
 * authority was sent are judged, each by what it did with its full {@code timeout_ms}.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
@TestProfile(AuthorityFloodTest.OnePlaceFourWaiting.class)
class AuthorityFloodTest {

    public static class OnePlaceFourWaiting implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ts.authorities.max-concurrent-calls", "1", "ts.authorities.max-waiting", "4",
                    "ts.authorities.circuit-failure-threshold", "2", "ts.authorities.circuit-open-duration", "30s");
        }
    }

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Inject
    AuthorityCalls calls;

    @Inject
    Vertx vertx;

    @Test
    void callsThatOutwaitTheirDeadlineAreNeverSentAndNeverOpenAHealthyAuthoritysCircuit() throws Exception {
        try (LoopbackAuthority slow = new LoopbackAuthority(exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(600); // healthy, answers well within its 1,000 ms; but one at a time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"decision\":\"accept\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        })) {
            String name = "https://api.example/slow";
            ResourceEntry resource = slow.resource(name, 1000);
            // five calls at once from one event loop: the first takes the one place, four wait for it. The
            // first is answered at 600 ms and the second then sent; at 1,000 ms the callers of the other four
            // have their timeouts: the second is in flight (answered at 1,200 ms: a success, not a failure),
            // the other three are still waiting and are withdrawn
            List<AuthorityCalls.Result> results = LoopbackAuthority.askAtOnce(vertx, calls, resource, 5).stream()
                    .map(LoopbackAuthority.Asked::result).toList();
            assertFalse(results.get(0).failed(), "the first call is answered");
            assertEquals(List.of("slow.read"), List.copyOf(results.get(0).granted()));
            for (int i = 1; i < 5; i++) {
                assertTrue(results.get(i).failed(), "call " + i + " ran out of its caller's time");
            }
            Thread.sleep(400); // the second call's answer arrives at about 1,200 ms (if later, the next call waits for it)
            assertEquals(2, slow.received.get(), "the three calls that only waited were never sent");
            RestAssured.given().get(metrics).then()
                    .body(containsString("ts_authority_failures_total{reason=\"timeout\",resource=\"" + name + "\"} 4.0"))
                    .body(containsString("ts_authority_circuit_open{resource=\"" + name + "\"} 0.0"));

            // the circuit was not blamed: the next call is sent and answered
            assertFalse(LoopbackAuthority.askAtOnce(vertx, calls, resource, 1).get(0).result().failed(),
                    "the authority's circuit is closed");
            assertEquals(3, slow.received.get());
        }
    }
}
