package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.ClientAssertions;
import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.RedisStore;
import dev.tokenservices.shared.crypto.Hashes;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The {@code jti} of every {@code private_key_jwt} client assertion used here, kept in Redis (hashed,
 * with the client id) until the assertion expires, so that none is used twice (RFC 7523 §3).
 */
@ApplicationScoped
public class AssertionReplays implements ClientAssertions.Replays {

    static final String PREFIX = RedisStore.PREFIX + "assertion-jti:";

    private final ReactiveRedisDataSource redis;
    private final DependencyGuard guard;

    public AssertionReplays(ReactiveRedisDataSource redis, OrchestratorConfig config) {
        this.redis = redis;
        this.guard = new DependencyGuard("Redis", config.dependencyTimeout(), "the session store is not available; try again later");
    }

    @Override
    public Uni<Boolean> firstUse(String clientId, String jti, Duration ttl) {
        // one SET NX PX: the key never exists without its TTL
        return guard.call(redis.execute("SET", PREFIX + Hashes.sha256Hex(clientId + "\n" + jti), "1", "NX", "PX",
                Long.toString(Math.max(1, ttl.toMillis()))).map(response -> response != null));
    }
}
