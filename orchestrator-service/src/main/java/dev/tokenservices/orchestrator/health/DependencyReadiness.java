package dev.tokenservices.orchestrator.health;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: Redis answers PING and PostgreSQL {@code SELECT 1}, each within the dependency timeout.
 * These replace Quarkus' own checks ({@code quarkus.redis.health.enabled} and
 * {@code quarkus.datasource.health.enabled} are off), which wait 10 s for a Redis that hangs and
 * 20 s for a PostgreSQL that hangs: longer than the 5 s in which every request that needs a
 * dependency must be answered while it is away.
 */
public final class DependencyReadiness {

    private DependencyReadiness() {
    }

    @Readiness
    @ApplicationScoped
    public static class Redis implements AsyncHealthCheck {
        private final ReactiveRedisDataSource redis;
        private final Duration timeout;

        public Redis(ReactiveRedisDataSource redis, OrchestratorConfig config) {
            this.redis = redis;
            this.timeout = config.dependencyTimeout();
        }

        @Override
        public Uni<HealthCheckResponse> call() {
            return check("Redis connection health check", Uni.createFrom().deferred(() -> redis.execute("PING")), timeout);
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Postgres implements AsyncHealthCheck {
        private final Pool pool;
        private final Duration timeout;

        public Postgres(Pool pool, OrchestratorConfig config) {
            this.pool = pool;
            this.timeout = config.dependencyTimeout();
        }

        @Override
        public Uni<HealthCheckResponse> call() {
            return check("PostgreSQL connection health check", Uni.createFrom().deferred(() -> pool.query("SELECT 1").execute()), timeout);
        }
    }

    static Uni<HealthCheckResponse> check(String name, Uni<?> probe, Duration timeout) {
        return probe.ifNoItem().after(timeout).fail()
                .map(ignored -> HealthCheckResponse.named(name).up().build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named(name).down()
                        .withData("reason", e instanceof io.smallrye.mutiny.TimeoutException
                                ? "no answer within " + timeout.toMillis() + " ms"
                                : e.getClass().getSimpleName()).build());
    }
}
