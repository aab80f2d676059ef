package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.shared.oauth.OAuthException;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every orchestrator record in Redis (all with a TTL), so that any replica serves any step. Redis
 * not answering within the dependency timeout is {@code temporarily_unavailable}.
 */
@ApplicationScoped
public class RedisStore {

    private static final Logger LOG = Logger.getLogger(RedisStore.class);
    public static final String PREFIX = "orch:";

    private final ReactiveValueCommands<String, String> values;
    private final ReactiveRedisDataSource redis;
    private final Duration timeout;

    public RedisStore(ReactiveRedisDataSource redis, OrchestratorConfig config) {
        this.redis = redis;
        this.values = redis.value(String.class, String.class);
        this.timeout = config.dependencyTimeout();
    }

    public Uni<Void> put(String key, String value, Duration ttl) {
        return guard(values.psetex(PREFIX + key, Math.max(1, ttl.toMillis()), value));
    }

    public Uni<Optional<String>> get(String key) {
        return guard(values.get(PREFIX + key)).map(Optional::ofNullable);
    }

    /** GETDEL: read and delete in one step, so exactly one request gets a one-time record. */
    public Uni<Optional<String>> take(String key) {
        return guard(values.getdel(PREFIX + key)).map(Optional::ofNullable);
    }

    public Uni<Void> delete(String key) {
        return guard(redis.key(String.class).del(PREFIX + key)).replaceWithVoid();
    }

    private <T> Uni<T> guard(Uni<T> operation) {
        return operation.ifNoItem().after(timeout).fail()
                .onFailure(e -> !(e instanceof OAuthException)).transform(e -> {
                    LOG.warnf("Redis is not answering: %s", e.getClass().getSimpleName());
                    return OAuthException.temporarilyUnavailable("the session store is not available; try again later");
                });
    }
}
