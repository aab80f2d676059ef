package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.session.AuthorizationRequest;

/**
 * A login waiting at the upstream IdP. It lives only in the browser that started it, sealed in a
 * cookie ({@link LoginCookies}), never in a datastore.
 *
 * @param request      the client's validated authorization request
 * @param idpId        the upstream IdP the browser was sent to
 * @param nonce        the upstream {@code nonce} (OIDC Core §3.1.2.1)
 * @param codeVerifier the upstream PKCE verifier (RFC 7636)
 * @param state        the upstream {@code state}, which the callback must bring back
 * @param expiresAt    epoch seconds after which the callback is refused
 * @param startedAt    epoch seconds when the browser was sent upstream ({@code prompt=login}: the
 *                     upstream {@code auth_time} may not be older)
 */
public record PendingLogin(AuthorizationRequest request, String idpId, String nonce, String codeVerifier, String state,
        long expiresAt, long startedAt) {
}
