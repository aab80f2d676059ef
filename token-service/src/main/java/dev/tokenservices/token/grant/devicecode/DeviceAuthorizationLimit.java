package dev.tokenservices.token.grant.devicecode;

import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.http.TrustedProxies;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * How many device authorizations an anonymous caller may start: a public client's request needs no
 * secret, so each one would otherwise let anyone add a Redis record. At most
 * {@code ts.device.max-per-minute-per-ip} per client address and fixed one-minute window; past it the
 * device is told to {@code slow_down} (RFC 8628 §3.5) with {@code Retry-After} (RFC 9110 §10.2.3).
 *
 * <p>The count is one Redis key per address (its SHA-256, nothing else), incremented and given its
 * TTL in one script, so a parallel burst cannot slip past the limit and the key never outlives its
 * window. The client address is the TCP peer; {@code X-Forwarded-For}/{@code Forwarded} count only when
 * the peer is one of {@code ts.trusted-proxies}.
 */
@ApplicationScoped
@Startup // a wrong ts.trusted-proxies stops start-up rather than the first device
public class DeviceAuthorizationLimit {

    static final String KEY_PREFIX = "ts:device-authz-limit:";
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** KEYS[1] the address's counter; ARGV[1] the window in ms. Returns {count, ms left in the window}. */
    private static final String COUNT_SCRIPT = """
            local n = redis.call('INCR', KEYS[1])
            local ttl = redis.call('PTTL', KEYS[1])
            if n == 1 or ttl < 0 then
              redis.call('PEXPIRE', KEYS[1], ARGV[1])
              ttl = tonumber(ARGV[1])
            end
            return {n, ttl}
            """;

    private final ReactiveRedisDataSource redis;
    private final TrustedProxies proxies;
    private final int perMinute;
    private final DependencyGuard guard;

    public DeviceAuthorizationLimit(ReactiveRedisDataSource redis, TokenServiceConfig config) {
        this.redis = redis;
        this.proxies = trustedProxies(config.trustedProxies());
        this.perMinute = config.device().maxPerMinutePerIp();
        if (perMinute < 1) {
            throw new IllegalStateException("ts.device.max-per-minute-per-ip (TS_DEVICE_MAX_PER_MINUTE_PER_IP) must be at least 1, not "
                    + perMinute);
        }
        this.guard = new DependencyGuard("Redis", config.dependencyTimeout(),
                "the token service cannot reach its store; try again shortly");
    }

    /** Parses {@code ts.trusted-proxies}; an entry that is not a CIDR is an error naming the setting. */
    static TrustedProxies trustedProxies(Optional<String> cidrs) {
        return TrustedProxies.fromSetting(cidrs, "ts.trusted-proxies (TS_TRUSTED_PROXIES)");
    }

    /** The address a request is counted under. */
    public String clientAddress(HttpServerRequest request) {
        return proxies.clientAddress(request);
    }

    /**
     * Counts one request from {@code address}; empty while within the limit, else how long until the
     * window ends.
     */
    public Uni<Optional<Duration>> count(String address) {
        return guard.call(redis.execute("EVAL", COUNT_SCRIPT, "1", key(address), Long.toString(WINDOW.toMillis())))
                .map(this::verdict);
    }

    private Optional<Duration> verdict(Response counted) {
        long count = counted.get(0).toLong();
        long remainingMs = counted.get(1).toLong();
        return count <= perMinute ? Optional.empty() : Optional.of(Duration.ofMillis(Math.max(remainingMs, 0)));
    }

    /** The counter of one address: its hash, so Redis holds no more than the address. */
    static String key(String address) {
        return KEY_PREFIX + Hashes.sha256Hex(address);
    }
}
