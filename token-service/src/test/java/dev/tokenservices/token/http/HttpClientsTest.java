package dev.tokenservices.token.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.token.config.TokenServiceConfig;
import io.vertx.core.http.HttpClientOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The outbound pool settings: used as given, and refused at start-up when they cannot work. */
class HttpClientsTest {

    @Test
    void thePoolIsSizedByTheSettings() {
        HttpClientOptions options = HttpClients.options(pool(16, 100));
        assertEquals(16, options.getMaxPoolSize());
        assertEquals(100, options.getMaxWaitQueueSize());
    }

    @Test
    void noConnectionAtAllStopsTheStartWithTheSettingsName() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HttpClients.options(pool(0, 100)));
        assertTrue(e.getMessage().contains("ts.authorities.max-connections must be at least 1"), e.getMessage());
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    }

    @Test
    void aNegativeQueueStopsTheStart() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HttpClients.options(pool(8, -1)));
        assertTrue(e.getMessage().contains("ts.authorities.max-waiting"), e.getMessage());
    }

    private static TokenServiceConfig.Authorities pool(int maxConnections, int maxWaiting) {
        return new TokenServiceConfig.Authorities() {
            public int circuitFailureThreshold() {
                return 5;
            }

            public Duration circuitOpenDuration() {
                return Duration.ofSeconds(10);
            }

            public int maxConnections() {
                return maxConnections;
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
