package dev.tokenservices.core.authority;

import io.vertx.core.http.HttpClientOptions;
import java.time.Duration;

/**
 * How the calls to scope authorities are bounded (each service maps these from its own configuration,
 * e.g. the token service's {@code ts.authorities.*}).
 *
 * @param circuitFailureThreshold failures in a row that open an authority's circuit
 * @param circuitOpenDuration     how long an open circuit fails calls at once
 * @param maxConnections          connections per authority host, per event loop
 * @param maxConcurrentCalls      calls in flight per authority
 * @param maxWaiting              calls waiting for a place per authority, past which a call is refused
 * @param maxResponseBytes        the largest answer read
 */
public record AuthorityLimits(int circuitFailureThreshold, Duration circuitOpenDuration, int maxConnections,
        int maxConcurrentCalls, int maxWaiting, int maxResponseBytes) {

    /**
     * The pool settings for {@link dev.tokenservices.core.http.EventLoopClients}; throws, naming the
     * settings under {@code prefix}, when a limit is unusable, so that start-up fails rather than the
     * first call.
     */
    public HttpClientOptions httpClientOptions(String prefix) {
        if (maxConnections < 1 || maxConcurrentCalls < 1 || maxWaiting < 1) {
            throw new IllegalStateException(prefix + "max-connections, " + prefix + "max-concurrent-calls and " + prefix
                    + "max-waiting must each be at least 1 (got " + maxConnections + ", " + maxConcurrentCalls + " and "
                    + maxWaiting + ")");
        }
        if (circuitFailureThreshold < 1 || circuitOpenDuration.isNegative()) {
            throw new IllegalStateException(prefix + "circuit-failure-threshold must be at least 1 and " + prefix
                    + "circuit-open-duration not negative (got " + circuitFailureThreshold + " and " + circuitOpenDuration + ")");
        }
        return new HttpClientOptions()
                .setConnectTimeout(2000)
                .setKeepAlive(true)
                .setMaxPoolSize(maxConnections)
                .setMaxWaitQueueSize(-1)
                .setTryUseCompression(false);
    }
}
