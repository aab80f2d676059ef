package dev.tokenservices.shared.oauth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one error type of the OAuth endpoints: an RFC 6749 §5.2 error code, a description meant for
 * the client developer, and the HTTP status. Written to JSON in exactly one place per service.
 *
 * <p>It carries no stack trace: it is an expected answer, not a bug, and bad input must stay cheap.
 */
public final class OAuthException extends RuntimeException {

    private final String error;
    private final int status;
    private final Map<String, String> members;
    private final Map<String, String> headers;

    public OAuthException(String error, String description, int status) {
        this(error, clean(description), status, Map.of(), Map.of());
    }

    private OAuthException(String error, String cleanDescription, int status, Map<String, String> members,
            Map<String, String> headers) {
        super(cleanDescription, null, false, false);
        this.error = error;
        this.status = status;
        this.members = members;
        this.headers = headers;
    }

    /**
     * The same error with one more member in its JSON body (e.g. {@code interaction_required}).
     *
     * @param json the member's value, already JSON written by us (never text from a request)
     */
    public OAuthException withMember(String name, String json) {
        Map<String, String> more = new LinkedHashMap<>(members);
        more.put(name, json);
        return new OAuthException(error, getMessage(), status, Map.copyOf(more), headers);
    }

    /**
     * The same error with one more response header (e.g. RFC 9449 §8 {@code DPoP-Nonce}).
     *
     * @param value made by us, never text from a request
     */
    public OAuthException withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new OAuthException(error, getMessage(), status, members, Map.copyOf(more));
    }

    public static OAuthException invalidRequest(String description) {
        return new OAuthException(OAuthErrors.INVALID_REQUEST, description, 400);
    }

    /** 401: the client could not be authenticated. Unknown client and wrong secret read the same. */
    public static OAuthException invalidClient(String description) {
        return new OAuthException(OAuthErrors.INVALID_CLIENT, description, 401);
    }

    public static OAuthException invalidGrant(String description) {
        return new OAuthException(OAuthErrors.INVALID_GRANT, description, 400);
    }

    public static OAuthException invalidScope(String description) {
        return new OAuthException(OAuthErrors.INVALID_SCOPE, description, 400);
    }

    public static OAuthException invalidTarget(String description) {
        return new OAuthException(OAuthErrors.INVALID_TARGET, description, 400);
    }

    public static OAuthException unauthorizedClient(String description) {
        return new OAuthException(OAuthErrors.UNAUTHORIZED_CLIENT, description, 400);
    }

    public static OAuthException unsupportedGrantType(String description) {
        return new OAuthException(OAuthErrors.UNSUPPORTED_GRANT_TYPE, description, 400);
    }

    /** 400 (RFC 9449 §5, §12.2): a DPoP proof that is missing where it is required, malformed, replayed or not for this request. */
    public static OAuthException invalidDpopProof(String description) {
        return new OAuthException(OAuthErrors.INVALID_DPOP_PROOF, description, 400);
    }

    /** 503: a dependency (Redis, PostgreSQL, an upstream) is not answering. */
    public static OAuthException temporarilyUnavailable(String description) {
        return new OAuthException(OAuthErrors.TEMPORARILY_UNAVAILABLE, description, 503);
    }

    public String error() {
        return error;
    }

    public String description() {
        return getMessage();
    }

    public int status() {
        return status;
    }

    /** Members beyond {@code error} and {@code error_description}: name → JSON value. */
    public Map<String, String> members() {
        return members;
    }

    /** Response headers beyond the error's own: name → value. */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * RFC 6749 §5.2 limits error_description to printable ASCII without '"' and '\'; CR/LF would
     * also let a description split a header line when it is echoed in WWW-Authenticate.
     */
    static String clean(String description) {
        if (description == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(Math.min(description.length(), 300));
        for (int i = 0; i < description.length() && sb.length() < 300; i++) {
            char c = description.charAt(i);
            sb.append(c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' ? c : ' ');
        }
        return sb.toString();
    }
}
