package dev.tokenservices.token.config;

import dev.tokenservices.core.dpop.DpopConfig;
import dev.tokenservices.core.keys.SigningKeysConfig;
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

    Exchange exchange();

    Device device();

    Refresh refresh();

    Authorities authorities();

    /** DPoP proofs (RFC 9449) at /token and /device_authorization ({@code ts.dpop.*}). */
    Dpop dpop();

    /**
     * Proxies whose {@code X-Forwarded-For}/{@code Forwarded} name the client address rate limits key on
     * ({@code TS_TRUSTED_PROXIES}: comma-separated CIDRs; empty: the TCP peer is always the client).
     */
    Optional<String> trustedProxies();

    /**
     * The orchestrator's client id ({@code ORCHESTRATOR_CLIENT_ID}): the only client that may exchange the
     * id_tokens upstream IdPs issued to the orchestrator.
     */
    @WithDefault("orchestrator")
    String orchestratorClientId();

    /** How long a request waits for Redis or PostgreSQL before answering 503. */
    @WithDefault("3s")
    Duration dependencyTimeout();

    /**
     * How often the registry file is checked for changes ({@code TS_REGISTRY_REFRESH_INTERVAL}); a changed
     * file that validates replaces the registry in use, one that does not is logged and ignored.
     */
    @WithDefault("10s")
    Duration registryRefreshInterval();

    /** Allowed clock difference when checking client assertions and other JWTs' exp/iat/nbf. */
    @WithDefault("60s")
    Duration clockSkew();

    /** Token exchange (RFC 8693) of subject tokens. */
    interface Exchange {
        /** Longest subject_token or actor_token accepted; real id_tokens with group claims exceed 2 KiB. */
        @WithDefault("16384")
        int maxSubjectTokenLength();

        /** After an unknown kid made us refetch an issuer's JWKS, no new fetch for that issuer before this. */
        @WithDefault("30s")
        Duration jwksRefetchInterval();

        /** How long an issuer's JWKS is cached when its response carries no Cache-Control max-age. */
        @WithDefault("5m")
        Duration jwksDefaultCacheTime();

        /** Timeout of each fetch of an issuer's discovery document or JWKS. */
        @WithDefault("3s")
        Duration fetchTimeout();
    }

    /** The device authorization grant (RFC 8628). */
    interface Device {
        /** The device portal's public URL; {@code verification_uri} is this plus {@code /device}. */
        String portalUrl();

        /** How long a device code and its user code are valid. */
        @WithDefault("10m")
        Duration codeLifetime();

        /** The polling interval announced to devices (RFC 8628 §3.2 {@code interval}). */
        @WithDefault("5s")
        Duration pollInterval();

        /**
         * Device authorization requests of public clients allowed per client address and minute; past it
         * {@code 429 slow_down}. Anonymous callers must not make Redis grow without bound.
         */
        @WithDefault("30")
        int maxPerMinutePerIp();
    }

    /** Refresh tokens (stored hashed in PostgreSQL, rotated on every use). */
    interface Refresh {
        /**
         * How long a refresh token can be used; each rotation starts a new period, never past the
         * family's {@link #maxLifetime()}.
         */
        @WithDefault("P30D")
        Duration lifetime();

        /**
         * Absolute lifetime of a refresh-token family, counted from the user's login: past it no rotation
         * helps and the user logs in again, so a user disabled upstream loses access at the latest then.
         */
        @WithDefault("P90D")
        Duration maxLifetime();
    }

    /** The scope-authority webhooks. */
    interface Authorities {
        /** Consecutive failures after which an authority's circuit opens. */
        @WithDefault("5")
        int circuitFailureThreshold();

        /** How long an open circuit answers "failed" at once before one trial call is let through. */
        @WithDefault("10s")
        Duration circuitOpenDuration();

        /**
         * Pooled connections per authority and event loop (and per issuer host); calls beyond them wait for
         * one, within the authority's timeout.
         */
        @WithDefault("64")
        int maxConnections();

        /** Calls to one authority in flight at once, across the service (its bulkhead). */
        @WithDefault("256")
        int maxConcurrentCalls();

        /**
         * Calls to one authority that may wait for a place in its bulkhead, within the authority's timeout;
         * beyond that an exchange is answered 503 at once (the authority is not asked and not blamed).
         */
        @WithDefault("1024")
        int maxWaiting();

        /** Largest authority response body read. */
        @WithDefault("65536")
        int maxResponseBytes();
    }

    /** The signing keys and their rotation. */
    interface Keys extends SigningKeysConfig {
    }

    /** DPoP proofs: their iat window, size and server nonces. */
    interface Dpop extends DpopConfig {
    }
}
