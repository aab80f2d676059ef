package dev.tokenservices.core.dpop;

import dev.tokenservices.core.guard.DependencyGuard;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import java.time.Duration;

/**
 * Proof ids in Redis: one {@code SET key 1 NX PX ttl} per proof, atomic, so the key never exists without
 * its expiry and of concurrent uses exactly one sets it. A Redis that does not answer in time is
 * {@code 503 temporarily_unavailable} through the service's {@link DependencyGuard}: a proof is never
 * accepted unrecorded.
 */
public final class RedisDpopReplays implements DpopReplays {

    private final ReactiveRedisDataSource redis;
    private final String prefix;
    private final DependencyGuard guard;

    /** @param prefix the service's key prefix for proof ids, e.g. {@code ts:dpop-jti:} */
    public RedisDpopReplays(ReactiveRedisDataSource redis, String prefix, DependencyGuard guard) {
        this.redis = redis;
        this.prefix = prefix;
        this.guard = guard;
    }

    @Override
    public Uni<Boolean> firstUse(String id, Duration ttl) {
        return guard.call(redis.execute("SET", prefix + id, "1", "NX", "PX", Long.toString(Math.max(1, ttl.toMillis()))))
                .map(response -> response != null);
    }
}
