package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.dpop.DpopNonces;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.core.dpop.RedisDpopReplays;
import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.RedisStore;
import dev.tokenservices.shared.jose.KeyEncryption;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The orchestrator's DPoP verifier (RFC 9449), for /par, /token and /userinfo: the core's
 * {@link DpopVerifier} with {@code orchestrator.dpop.*}, proof ids in Redis under
 * {@value #JTI_PREFIX} (hashed, expiring with the window), nonces keyed from the master key. Made at
 * start-up, so that a setting out of bounds stops the service naming it.
 */
public class DpopVerifiers {

    /** Redis key prefix of used proof ids. */
    public static final String JTI_PREFIX = RedisStore.PREFIX + "dpop-jti:";

    @Produces
    @Singleton
    @Startup
    DpopVerifier verifier(OrchestratorConfig config, Clock clock, ReactiveRedisDataSource redis, KeyEncryption masterKey) {
        return new DpopVerifier("orchestrator.dpop", config.dpop(), clock,
                new RedisDpopReplays(redis, JTI_PREFIX, new DependencyGuard("Redis", config.dependencyTimeout(),
                        "the session store is not available; try again later")),
                masterKey.recordSeal(DpopNonces.PURPOSE));
    }
}
