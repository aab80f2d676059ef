package dev.tokenservices.portal.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Typed configuration of the device portal (prefix {@code portal}). */
@ConfigMapping(prefix = "portal")
public interface PortalConfig {

    /** The portal's public base URL ({@code DEVICE_PORTAL_URL}); https makes its cookies Secure. */
    URI url();

    /** The registry file ({@code TS_REGISTRY}): names and scopes of the clients shown on the consent page. */
    Path registry();

    /**
     * How often the registry file is checked for changes ({@code PORTAL_REGISTRY_REFRESH_INTERVAL}); a
     * changed file that validates replaces the registry in use, one that does not is logged and ignored.
     */
    @WithDefault("10s")
    Duration registryRefreshInterval();

    /**
     * The proxies whose {@code X-Forwarded-For}/{@code Forwarded} headers name the client
     * ({@code TS_TRUSTED_PROXIES}: CIDRs or addresses, comma-separated; none by default). The
     * wrong-code limit per client address keys on the TCP peer unless it is one of these; from anyone
     * else the headers are ignored. Behind an ingress, name the ingress's range, or every user shares
     * its address and its limit.
     */
    Optional<String> trustedProxies();

    /**
     * The master key ({@code TS_KEY_ENCRYPTION_KEY}, base64 of 32 bytes; the token service's): the key
     * that MACs device decisions is derived from it, and the token service honours only approvals whose
     * MAC verifies. Required outside dev and test, where a built-in development key stands in.
     */
    Optional<String> keyEncryptionKey();

    /** How long a page waits for Redis before answering 503. */
    @WithDefault("3s")
    Duration dependencyTimeout();

    /** Plain words for scopes on the consent page; a scope without an entry is shown as-is. */
    Map<String, String> scopeDescriptions();

    RateLimit rateLimit();

    Csrf csrf();

    /**
     * How long a ticket handed to an API's page ({@code PORTAL_INTERACTION_TICKET_LIFETIME}) stays good
     * for the way back to the consent page: more than zero, at most 10 minutes (checked at start-up).
     */
    @WithDefault("10m")
    Duration interactionTicketLifetime();

    /** Bounds of the calls to scope authorities (the same settings as the token service's {@code ts.authorities.*}). */
    Authorities authorities();

    /**
     * Wrong user codes (RFC 8628 §5.1: the code is short, so guessing must be limited). Every attempt
     * is counted in Redis per browser session and per client address, over a fixed window, before the
     * code is looked up; past a limit the portal answers 429 until the window ends.
     */
    interface RateLimit {
        /** Wrong codes one browser session may enter in a window; the next one answers 429. */
        @WithDefault("5")
        int perSession();

        /** Wrong codes one client address may enter in a window, whatever the cookies. */
        @WithDefault("20")
        int perIp();

        @WithDefault("10m")
        Duration window();
    }

    interface Authorities {
        /** Failures in a row that open an authority's circuit (calls then fail at once). */
        @WithDefault("5")
        int circuitFailureThreshold();

        @WithDefault("10s")
        Duration circuitOpenDuration();

        /** Connections per authority host, per event loop. */
        @WithDefault("16")
        int maxConnections();

        /** Calls in flight per authority. */
        @WithDefault("64")
        int maxConcurrentCalls();

        /** Calls waiting for a place per authority; past that a call is refused at once. */
        @WithDefault("256")
        int maxWaiting();

        /** The largest answer read. */
        @WithDefault("65536")
        int maxResponseBytes();
    }

    interface Csrf {
        /**
         * Key of the CSRF tokens ({@code PORTAL_CSRF_SECRET}, else {@code DEVICE_PORTAL_SECRET}); all
         * replicas must share it. When absent a random key is made at start, good for one replica only.
         */
        Optional<String> secret();
    }
}
