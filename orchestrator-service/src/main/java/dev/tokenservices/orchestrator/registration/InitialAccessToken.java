package dev.tokenservices.orchestrator.registration;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.crypto.Hashes;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The initial access token of /register (RFC 7591 §3, sent as a Bearer token, RFC 6750 §2.1),
 * {@code ORCHESTRATOR_REGISTRATION_TOKEN}. Compared as SHA-256 hashes in constant time, so the time an
 * answer takes says nothing about how much of a guess was right. Checked at start-up: at least 32
 * characters, and no example value outside dev and test.
 */
@ApplicationScoped
@Startup
public class InitialAccessToken {

    static final int MIN_LENGTH = 32;
    private static final String BEARER = "Bearer ";

    /** What a request's Authorization header holds. */
    public enum Presented {
        /** No Bearer token at all (RFC 6750 §3.1: answered without an error code). */
        NONE,
        WRONG,
        VALID
    }

    private final byte[] expected;

    public InitialAccessToken(OrchestratorConfig config) {
        String token = config.registration().token().orElse(null);
        if (token != null) {
            ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()).check("ORCHESTRATOR_REGISTRATION_TOKEN", token);
            if (token.length() < MIN_LENGTH) {
                throw new IllegalStateException("ORCHESTRATOR_REGISTRATION_TOKEN (orchestrator.registration.token) is shorter than "
                        + MIN_LENGTH + " characters; use a high-entropy value (e.g. openssl rand -base64 32)");
            }
        }
        this.expected = token == null ? null : Hashes.sha256(token);
    }

    /** Whether registration is on at all. */
    public boolean configured() {
        return expected != null;
    }

    public Presented check(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Presented.NONE;
        }
        String token = authorization.substring(BEARER.length()).trim();
        return expected != null && Hashes.equal(Hashes.sha256(token), expected) ? Presented.VALID : Presented.WRONG;
    }
}
