package dev.tokenservices.orchestrator.upstream;

/** The upstream IdP could not be used: down, or it answered with something we cannot accept. */
public final class UpstreamException extends RuntimeException {

    public enum Kind {
        /** Not reachable, timed out, 5xx: the client gets temporarily_unavailable. */
        UNAVAILABLE,
        /** Its token endpoint refused the code, or its id_token failed validation. */
        REJECTED,
        /**
         * A sound id_token for an account this entry does not accept (another Workspace domain, another
         * tenant): the client gets access_denied saying so.
         */
        NOT_ALLOWED
    }

    private final Kind kind;

    public UpstreamException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
