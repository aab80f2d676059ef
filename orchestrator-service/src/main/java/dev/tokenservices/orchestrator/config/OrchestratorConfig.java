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
