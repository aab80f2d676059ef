package dev.tokenservices.core.keys;

import dev.tokenservices.shared.jose.KeyAlgorithm;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The signing keys of an authorization server and their rotation, as both services configure them
 * ({@code ts.keys.*}, {@code orchestrator.keys.*}).
 */
public interface SigningKeysConfig {

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
