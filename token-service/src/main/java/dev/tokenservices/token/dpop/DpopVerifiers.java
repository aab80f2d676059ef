package dev.tokenservices.token.dpop;

import dev.tokenservices.core.dpop.DpopNonces;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.core.dpop.RedisDpopReplays;
import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The token service's DPoP verifier (RFC 9449): the core's {@link DpopVerifier} with {@code ts.dpop.*},
 * proof ids in Redis under {@value #JTI_PREFIX} (hashed, expiring with the window) and nonces keyed
 * from the master key. Made at start-up, so that a setting out of bounds stops the service naming it.
 */
public class DpopVerifiers {

    /** Redis key prefix of used proof ids. */
    public static final String JTI_PREFIX = "ts:dpop-jti:";

    @Produces
    @Singleton
    @Startup
    DpopVerifier verifier(TokenServiceConfig config, Clock clock, ReactiveRedisDataSource redis, KeyEncryption masterKey) {
        return new DpopVerifier("ts.dpop", config.dpop(), clock,
                new RedisDpopReplays(redis, JTI_PREFIX, new DependencyGuard("Redis", config.dependencyTimeout(),
                        "the token service cannot reach its store; try again shortly")),
                masterKey.recordSeal(DpopNonces.PURPOSE));
    }
}
