package dev.tokenservices.orchestrator.config;

import dev.tokenservices.core.dpop.DpopConfig;
import dev.tokenservices.core.keys.SigningKeysConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Typed configuration of the OIDC orchestrator (prefix {@code orchestrator}). */
@ConfigMapping(prefix = "orchestrator")
public interface OrchestratorConfig {

    /** The issuer identifier (OIDC Discovery §3): {@code iss} of minted id_tokens, base of every endpoint URL. */
    String issuer();

    /** The registry file ({@code TS_REGISTRY}): clients, resources and upstream IdPs. */
    Path registry();

    /**
     * How often the registry file is checked for changes ({@code ORCHESTRATOR_REGISTRY_REFRESH_INTERVAL}); a
     * changed file that validates replaces the registry in use, one that does not is logged and ignored.
     */
    @WithDefault("10s")
    Duration registryRefreshInterval();

    /**
     * The master key ({@code TS_KEY_ENCRYPTION_KEY}) that encrypts signing keys at rest and from which
     * the key sealing every Redis record is derived; required outside dev and test.
     */
    Optional<String> keyEncryptionKey();

    TokenService tokenService();

    Keys keys();

    /** Clients whose {@code id_token} is the upstream IdP's own (pass-through) instead of a minted one. */
    Optional<List<String>> passThroughClients();

    /** Lifetime of a one-time authorization code (at most 60 s). */
    @WithDefault("60s")
    Duration codeLifetime();

    /** Lifetime of the SSO session (the {@code orch_session} cookie and its Redis record). */
    @WithDefault("8h")
    Duration sessionLifetime();

    /**
     * How long a login may stay at the upstream IdP before its callback is refused: the lifetime of
     * the sealed login cookie set when the browser is sent upstream (RFC 9700 §4.7).
     */
    @WithDefault("10m")
    Duration pendingLoginLifetime();

    /**
     * How many logins one browser may have in progress at once (tabs), each in its own cookie; a
     * newer one expires the oldest. Bounded so that the cookies sent to /callback stay well under
     * the 16 KiB header limit (each is at most about 3.8 KB). From 1 to 4.
     */
    @WithDefault("4")
    int maxPendingLoginsPerBrowser();

    /**
     * How long the user may stay at the page of an API that asks for an interaction (subscribe,
     * accept terms…) before the {@code ticket} it brings back to /continue is refused: the lifetime
     * of the ticket in Redis and of the cookie that binds it to the browser. From 1 s to 10 min.
     */
    @WithDefault("10m")
    Duration interactionTicketLifetime();

    /** Lifetime of minted id_tokens. */
    @WithDefault("5m")
    Duration idTokenLifetime();

    /** Lifetime of the orchestrator's refresh tokens (each rotation starts a new period, within the maximum below). */
    @WithDefault("P1D")
    Duration refreshTokenLifetime();

    /**
     * Absolute lifetime of a refresh family, from the login that began it: no rotation lives past it,
     * then the user logs in again (mirrors the token service's {@code ts.refresh.max-lifetime}).
     */
    @WithDefault("P90D")
    Duration refreshTokenMaxLifetime();

    /** Lifetime of the top-level access token, the orchestrator's own (it serves /userinfo only). */
    @WithDefault("300s")
    Duration userinfoTokenLifetime();

    /** How long a request waits for Redis, PostgreSQL, the token service or an upstream IdP. */
    @WithDefault("3s")
    Duration dependencyTimeout();

    /** Allowed clock difference on upstream id_tokens. */
    @WithDefault("60s")
    Duration clockSkew();

    /** The demo client page at /demo (client demo-app), in builds that include it. */
    Demo demo();

    /** RP-Initiated Logout 1.0 at /logout. */
    Logout logout();

    /** Clients that bring their own metadata: a {@code client_id} that is an https URL (Client ID Metadata Documents). */
    MetadataDocuments cimd();

    /** Dynamic client registration (RFC 7591) at /register. */
    Registration registration();

    /**
     * The proxies (the ingress) whose {@code X-Forwarded-For}/{@code Forwarded} name the client address
     * that per-address limits key on ({@code TS_TRUSTED_PROXIES}: CIDRs, comma-separated; none by default).
     */
    Optional<String> trustedProxies();

    /** Pushed authorization requests (RFC 9126) at /par. */
    Par par();

    /** DPoP proofs (RFC 9449) at /par, /token and /userinfo ({@code orchestrator.dpop.*}). */
    Dpop dpop();

    /** The token service, where logins are exchanged for access tokens. */
    interface TokenService {
        /** Base URL of the token service ({@code TOKEN_SERVICE_URL}). */
        String url();

        /** The orchestrator's own client at the token service ({@code ORCHESTRATOR_CLIENT_ID}). */
        @WithDefault("orchestrator")
        String clientId();

        /** Its secret ({@code ORCHESTRATOR_SECRET}). */
        Optional<String> clientSecret();
    }

    /**
     * The signing keys and their rotation, the same for every key family (RS256, ES256, EdDSA: one
     * per id_token algorithm); {@code algorithm} names the family that signs the orchestrator's own
     * access tokens (/userinfo), ES256 by default. Each client's id_tokens are signed with its
     * registered {@code id_token_signed_response_alg}.
     */
    interface Keys extends SigningKeysConfig {
    }

    interface Logout {
        /**
         * How long the browser may stay at the upstream IdP's end_session_endpoint before the
         * sealed {@code state} it brings back to /logout/done is refused.
         */
        @WithDefault("10m")
        Duration upstreamReturnLifetime();
    }

    /**
     * draft-ietf-oauth-client-id-metadata-document: the document is fetched over https only, from public
     * addresses only, at most 5 KB within 2 s, without following redirects.
     */
    interface MetadataDocuments {
        /** Whether a {@code client_id} that is an https URL is fetched as its metadata document ({@code ORCHESTRATOR_CIMD_ENABLED}). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Also fetch from loopback addresses ({@code ORCHESTRATOR_CIMD_ALLOW_LOOPBACK}), for tests on one
         * machine; still https only, and private, link-local and other special addresses stay refused.
         */
        @WithDefault("false")
        boolean allowLoopback();

        /** How many documents (and {@code jwks_uri} key sets) may be fetched at once; more are refused with 503. */
        @WithDefault("16")
        int maxConcurrentFetches();

        /** How many fetched documents (and failures) are kept in memory; the least recently used go first. */
        @WithDefault("1000")
        int maxCached();

        /** The shortest time a document is kept, whatever its {@code Cache-Control} says ({@code no-store} included). */
        @WithDefault("1m")
        Duration minCacheTime();

        /** The longest time a document is kept, whatever its {@code Cache-Control} says. */
        @WithDefault("1h")
        Duration maxCacheTime();

        /** How long a document that could not be fetched or used is refused without being fetched again. */
        @WithDefault("30s")
        Duration failureCacheTime();

        /**
         * A PKCS12 trust store ({@code ORCHESTRATOR_CIMD_TRUST_STORE}) whose certificates replace the JDK's
         * trusted roots for these fetches (a private CA, or a test's self-signed certificate); https stays required.
         */
        Optional<Path> trustStore();

        /** Its password ({@code ORCHESTRATOR_CIMD_TRUST_STORE_PASSWORD}). */
        Optional<String> trustStorePassword();

        /**
         * A DNS server ({@code host:port}, {@code ORCHESTRATOR_CIMD_DNS_SERVER}) that resolves the documents'
         * host names instead of the system resolver.
         */
        Optional<String> dnsServer();
    }

    interface Registration {
        /**
         * The initial access token ({@code ORCHESTRATOR_REGISTRATION_TOKEN}, RFC 7591 §3): a client registers
         * with it as a Bearer token. Without it registration is off: /register answers 404 and discovery
         * names no {@code registration_endpoint}. At least 32 characters.
         */
        Optional<String> token();

        /**
         * The most scope a client may hold that no operator vetted ({@code ORCHESTRATOR_REGISTRATION_MAX_SCOPE},
         * space-separated): registered clients and Client ID Metadata Document clients alike. A client asking
         * for more is given the part within it.
         */
        @WithDefault("openid profile email")
        String maxScope();

        /** How many registrations one client address may make per minute; past it, 429. */
        @WithDefault("10")
        int maxPerMinutePerIp();
    }

    interface Dpop extends DpopConfig {
    }

    interface Par {
        /**
         * Whether /authorize takes the requests of every client only by a {@code request_uri} from
         * /par ({@code ORCHESTRATOR_PAR_REQUIRED}; RFC 9126 §5); a client's registry entry can
         * require it of that client alone ({@code require_pushed_authorization_requests}).
         */
        @WithDefault("false")
        boolean required();

        /**
         * How long a {@code request_uri} from /par waits for its /authorize ({@code expires_in}, RFC
         * 9126 §2.2; {@code ORCHESTRATOR_PAR_REQUEST_URI_LIFETIME}). From 1 s to 10 min.
         */
        @WithDefault("60s")
        Duration requestUriLifetime();
    }

    interface Demo {
        /**
         * Whether /demo is built in: read at build time only ({@code ./mvnw package -Dorchestrator.demo.enabled=true},
         * which {@code ./run.sh} does; on in dev mode). The production build never contains it.
         */
        @WithDefault("false")
        boolean enabled();

        @WithDefault("demo-app")
        String clientId();

        /** {@code DEMO_APP_SECRET}; without it /demo explains how to enable it. */
        Optional<String> clientSecret();
    }
}
