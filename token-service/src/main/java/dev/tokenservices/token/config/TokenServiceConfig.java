package dev.tokenservices.token.config;

import dev.tokenservices.token.keys.KeyAlgorithm;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Typed configuration of the token service (prefix {@code ts}). */
@ConfigMapping(prefix = "ts")
public interface TokenServiceConfig {

    /** The issuer identifier (RFC 8414 §2): {@code iss} of every token, base of every endpoint URL. */
    String issuer();

    /** The registry file ({@code TS_REGISTRY}). */
    Path registry();

    /**
     * The master key that encrypts signing keys at rest: base64 of 32 random bytes
     * ({@code TS_KEY_ENCRYPTION_KEY}). Required outside dev and test.
     */
    Optional<String> keyEncryptionKey();

    Keys keys();

    /** How long a request waits for Redis or PostgreSQL before answering 503. */
    @WithDefault("3s")
    Duration dependencyTimeout();

    /** How often the in-memory registry is reloaded from PostgreSQL. */
    @WithDefault("30s")
    Duration registryRefreshInterval();

    /** Allowed clock difference when checking client assertions and other JWTs' exp/iat/nbf. */
    @WithDefault("60s")
    Duration clockSkew();

    interface Keys {
        /** Signature algorithm of new keys: ES256, RS256 or EdDSA. */
        @WithDefault("ES256")
        KeyAlgorithm algorithm();

        /** How long a key signs before its successor takes over. */
        @WithDefault("P30D")
        Duration rotationPeriod();

        /**
         * How long a new key is published in the JWKS before it signs, so that every verifier that
         * caches the JWKS knows it first. Must be at least twice {@link #refreshInterval()}.
         */
        @WithDefault("PT1H")
        Duration publishAhead();

        /** How often each instance reloads the key set from PostgreSQL and checks rotation. */
        @WithDefault("PT30S")
        Duration refreshInterval();

        /** Cache lifetime announced on the JWKS response (Cache-Control max-age). */
        @WithDefault("PT5M")
        Duration jwksMaxAge();
    }
}
