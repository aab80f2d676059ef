package dev.tokenservices.core.authority;

/**
 * A scope authority failed to answer usefully: the reason as the metrics and audit lines name it
 * ({@code timeout}, {@code unreachable}, {@code too_large}, {@code status_<code>}, {@code bad_response}),
 * and for transport failures a detail (the underlying error's message, never a token). Counts against
 * the authority's circuit.
 */
public final class AuthorityFailure extends RuntimeException {

    public static final String TIMEOUT = "timeout";
    public static final String UNREACHABLE = "unreachable";
    public static final String TOO_LARGE = "too_large";
    public static final String BAD_RESPONSE = "bad_response";

    private final String reason;

    /** @param detail null when the reason says it all (a status, an unreadable answer) */
    public AuthorityFailure(String reason, String detail) {
        super(detail, null, false, false); // an expected outcome: no stack trace
        this.reason = reason;
    }

    public static AuthorityFailure status(int status) {
        return new AuthorityFailure("status_" + status, null);
    }

    public String reason() {
        return reason;
    }

    /** The underlying error's message, or null. */
    public String detail() {
        return getMessage();
    }
}
