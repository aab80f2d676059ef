package dev.tokenservices.orchestrator.logout;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.jose.KeyEncryption;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code state} sent to an upstream IdP's end_session_endpoint (RP-Initiated Logout 1.0 §2), which
 * it brings back to {@code /logout/done}: where to go afterwards (the client's registered
 * post_logout_redirect_uri with its {@code state}, or nowhere) sealed with AES-GCM under a key derived
 * from the master key, with an expiry. Nothing is stored, and a forged or altered state opens to
 * nothing, so {@code /logout/done} never redirects where no client registered.
 */
@ApplicationScoped
public class UpstreamLogoutReturns {

    private static final String ASSOCIATED = "logout-done";

    /**
     * @param target    the client URI to redirect to, {@code state} included; null: the "signed out" page
     * @param expiresAt epoch seconds
     */
    public record Return(String target, long expiresAt) {
    }

    private final RecordSeal seal;
    private final Duration lifetime;
    private final Clock clock;

    public UpstreamLogoutReturns(OrchestratorConfig config, KeyEncryption masterKey, Clock clock) {
        this.seal = masterKey.recordSeal("logout-return");
        this.lifetime = config.logout().upstreamReturnLifetime();
        this.clock = clock;
    }

    public String seal(String target) {
        return seal.seal(ASSOCIATED, Json.write(new Return(target, clock.instant().plus(lifetime).getEpochSecond())));
    }

    /** Empty when not sealed by us, altered or expired. */
    public Optional<Return> open(String state) {
        long now = clock.instant().getEpochSecond();
        return seal.open(ASSOCIATED, state).map(json -> Json.read(json, Return.class)).filter(r -> r.expiresAt() > now);
    }
}
