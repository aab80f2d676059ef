package dev.tokenservices.shared.oauth;

/**
 * Every OAuth error code this project answers with, by the RFC that defines it.
 * Codes are written to clients verbatim, so they live in one place.
 */
public final class OAuthErrors {

    // RFC 6749 §5.2
    public static final String INVALID_REQUEST = "invalid_request";
    public static final String INVALID_CLIENT = "invalid_client";
    public static final String INVALID_GRANT = "invalid_grant";
    public static final String UNAUTHORIZED_CLIENT = "unauthorized_client";
    public static final String UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type";
    public static final String INVALID_SCOPE = "invalid_scope";
    // RFC 6749 §4.1.2.1
    public static final String ACCESS_DENIED = "access_denied";
    public static final String SERVER_ERROR = "server_error";
    public static final String TEMPORARILY_UNAVAILABLE = "temporarily_unavailable";
    // RFC 8707 §2
    public static final String INVALID_TARGET = "invalid_target";
    /** RFC 6750 §3.1: at a resource, a bearer token that is expired, revoked, malformed or not ours. */
    public static final String INVALID_TOKEN = "invalid_token";
    // RFC 8628 §3.5
    public static final String AUTHORIZATION_PENDING = "authorization_pending";
    public static final String SLOW_DOWN = "slow_down";
    public static final String EXPIRED_TOKEN = "expired_token";
    // RFC 7009 §2.2.1
    public static final String UNSUPPORTED_TOKEN_TYPE = "unsupported_token_type";
    // RFC 7591 §3.2.2
    public static final String INVALID_REDIRECT_URI = "invalid_redirect_uri";
    public static final String INVALID_CLIENT_METADATA = "invalid_client_metadata";
    /** OIDC Core §3.1.2.6: {@code prompt=none}, and the user has not consented to this client. */
    public static final String CONSENT_REQUIRED = "consent_required";
    /** RFC 9449 §12.2: the DPoP proof is missing, malformed, replayed or does not fit the request. */
    public static final String INVALID_DPOP_PROOF = "invalid_dpop_proof";
    /** RFC 9449 §8: the proof must carry the server's nonce, sent in the {@code DPoP-Nonce} header. */
    public static final String USE_DPOP_NONCE = "use_dpop_nonce";

    private OAuthErrors() {
    }
}
