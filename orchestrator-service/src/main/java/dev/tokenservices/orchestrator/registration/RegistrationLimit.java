package dev.tokenservices.orchestrator.registration;

import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.RedisStore;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.http.TrustedProxies;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * How many registrations one client address may attempt: at most
 * {@code orchestrator.registration.max-per-minute-per-ip} per fixed one-minute window, wrong initial
 * access tokens included (so the token cannot be guessed at speed either). The count is one Redis key
 * per address (its SHA-256), incremented and given its TTL in one script. The address is the TCP peer,
 * or what a proxy in {@code TS_TRUSTED_PROXIES} says it forwarded for.
 */
@ApplicationScoped
@Startup // a wrong TS_TRUSTED_PROXIES stops start-up rather than the first registration
public class RegistrationLimit {

    static final String KEY_PREFIX = RedisStore.PREFIX + "registration-limit:";
    private static final Duration WINDOW = Duration.ofMinutes(1);
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

    public RegistrationLimit(ReactiveRedisDataSource redis, OrchestratorConfig config) {
        this.redis = redis;
        this.proxies = TrustedProxies.fromSetting(config.trustedProxies(), "TS_TRUSTED_PROXIES (orchestrator.trusted-proxies)");
        this.perMinute = config.registration().maxPerMinutePerIp();
        if (perMinute < 1) {
            throw new IllegalStateException("orchestrator.registration.max-per-minute-per-ip must be at least 1, not " + perMinute);
        }
        this.guard = new DependencyGuard("Redis", config.dependencyTimeout(), "the session store is not available; try again later");
    }

    /** Counts one attempt from the request's client address; empty while within the limit, else how long until the window ends. */
    public Uni<Optional<Duration>> count(HttpServerRequest request) {
        String key = KEY_PREFIX + Hashes.sha256Hex(proxies.clientAddress(request));
        return guard.call(redis.execute("EVAL", COUNT_SCRIPT, "1", key, Long.toString(WINDOW.toMillis()))).map(this::verdict);
    }

    private Optional<Duration> verdict(Response counted) {
        long count = counted.get(0).toLong();
        long remainingMs = counted.get(1).toLong();
        return count <= perMinute ? Optional.empty() : Optional.of(Duration.ofMillis(Math.max(remainingMs, 0)));
    }
}
