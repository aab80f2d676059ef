package dev.tokenservices.token.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.token.config.TokenServiceConfig;
import io.vertx.core.http.HttpClientOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The outbound pool and bulkhead settings: used as given, and refused at start-up when they cannot work. */
class HttpClientsTest {

    @Test
    void thePoolIsSizedByTheSettingsAndItsQueueLeftToTheBulkheads() {
        HttpClientOptions options = HttpClients.options(settings(16, 32, 100, 5));
        assertEquals(16, options.getMaxPoolSize());
        assertEquals(-1, options.getMaxWaitQueueSize(), "the authorities' bulkheads bound the calls waiting");
    }

    @Test
    void noConnectionAtAllStopsTheStartWithTheSettingsName() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HttpClients.options(settings(0, 32, 100, 5)));
        assertTrue(e.getMessage().contains("ts.authorities.max-connections"), e.getMessage());
        assertTrue(e.getMessage().contains("got 0, 32 and 100"), e.getMessage());
    }

    @Test
    void aBulkheadWithoutPlaceOrQueueStopsTheStart() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HttpClients.options(settings(8, 0, 100, 5)));
        assertTrue(e.getMessage().contains("ts.authorities.max-concurrent-calls"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> HttpClients.options(settings(8, 32, 0, 5)));
        assertTrue(e.getMessage().contains("ts.authorities.max-waiting"), e.getMessage());
    }

    @Test
    void aCircuitThatCannotCountStopsTheStart() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HttpClients.options(settings(8, 32, 100, 0)));
        assertTrue(e.getMessage().contains("ts.authorities.circuit-failure-threshold must be at least 1"), e.getMessage());
    }

    private static TokenServiceConfig.Authorities settings(int maxConnections, int maxConcurrentCalls, int maxWaiting,
            int circuitFailureThreshold) {
        return new TokenServiceConfig.Authorities() {
            public int circuitFailureThreshold() {
                return circuitFailureThreshold;
            }

            public Duration circuitOpenDuration() {
                return Duration.ofSeconds(10);
            }

            public int maxConnections() {
                return maxConnections;
            }

            public int maxConcurrentCalls() {
                return maxConcurrentCalls;
            }

            public int maxWaiting() {
                return maxWaiting;
            }

            public int maxResponseBytes() {
                return 65536;
            }
        };
    }
}
