package dev.tokenservices.orchestrator.authorize;

/**
 * An error returned to the client at its (validated) redirect URI (RFC 6749 §4.1.2.1, OIDC Core
 * §3.1.2.6), with {@code state} and {@code iss} (RFC 9207).
 */
public final class AuthorizeError extends RuntimeException {

    private final String error;

    public AuthorizeError(String error, String description) {
        super(description, null, false, false);
        this.error = error;
    }

    public String error() {
        return error;
    }
}
