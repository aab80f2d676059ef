package dev.tokenservices.token.revocation;

import dev.tokenservices.core.client.ClientAssertions;
import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Token identifiers kept in Redis until the token they name expires: revoked access tokens
 * (RFC 7009) and used client-assertion jti (RFC 7523 §3, replay). Every key has a TTL.
 * Identifiers are stored hashed: a Redis dump holds nothing a client sent.
 */
@ApplicationScoped
public class JtiStore implements ClientAssertions.Replays {

    static final String REVOKED = "ts:revoked:";
    static final String ASSERTION = "ts:assertion-jti:";

    private final ReactiveValueCommands<String, String> values;
    private final ReactiveRedisDataSource redis;
    private final DependencyGuard guard;

    public JtiStore(ReactiveRedisDataSource redis, TokenServiceConfig config) {
        this.redis = redis;
        this.values = redis.value(String.class);
        this.guard = new DependencyGuard("Redis", config.dependencyTimeout(),
                "the token service cannot reach its store; try again shortly");
    }

    public Uni<Void> revoke(String jti, Duration ttl) {
        return guard.call(values.set(REVOKED + Hashes.sha256Hex(jti), "1", new SetArgs().px(Math.max(1, ttl.toMillis()))));
    }

    public Uni<Boolean> isRevoked(String jti) {
        return guard.call(redis.key(String.class).exists(REVOKED + Hashes.sha256Hex(jti)));
    }

    @Override
    public Uni<Boolean> firstUse(String clientId, String jti, Duration ttl) {
        // one atomic SET NX PX: the key never exists without its TTL
        return guard.call(redis.execute("SET", ASSERTION + Hashes.sha256Hex(clientId + "\n" + jti), "1", "NX", "PX",
                Long.toString(Math.max(1, ttl.toMillis()))).map(response -> response != null));
    }

}
