package dev.tokenservices.orchestrator.logout;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.jose.KeyEncryption;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The CSRF token of the sign-out confirmation form (RP-Initiated Logout 1.0 §2: without a valid
 * {@code id_token_hint} the OP asks the user). It is an HMAC of the browser's session cookie under a
 * key derived from the master key: only a page this browser got from us carries it, and nothing is
 * stored. A forged form (another site, or another port on localhost, which the SameSite cookie does
 * not tell apart) cannot know it.
 */
@ApplicationScoped
public class LogoutConfirmations {

    private final RecordSeal seal;

    public LogoutConfirmations(KeyEncryption masterKey) {
        this.seal = masterKey.recordSeal("logout-confirmation");
    }

    public String token(String sessionCookie) {
        return seal.mac(sessionCookie);
    }

    /** Constant-time; false without a session cookie. */
    public boolean verify(String sessionCookie, String token) {
        return sessionCookie != null && token != null && seal.verify(sessionCookie, token);
    }
}
