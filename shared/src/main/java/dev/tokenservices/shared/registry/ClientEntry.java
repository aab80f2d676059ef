package dev.tokenservices.shared.registry;

import dev.tokenservices.shared.jose.KeyAlgorithm;
import java.util.List;
import java.util.Set;

/**
 * One registered client (RFC 7591 metadata names in the file). The secret is never held: only its
 * SHA-256 hash, hex-encoded.
 *
 * @param jwks        the client's public keys as a JWK Set JSON document, for {@code private_key_jwt}
 * @param requirePkce whether an authorization request must carry a PKCE challenge (RFC 7636); when
 *                    false (confidential clients only) it must carry a {@code nonce} instead
 * @param idTokenSignedResponseAlg what the orchestrator signs this client's id_tokens with (OIDC
 *        Dynamic Registration §2; RS256 when the file names none)
 * @param dpopBoundAccessTokens RFC 9449 §5.2: every token request of this client must carry a DPoP proof
 * @param requirePushedAuthorizationRequests whether the orchestrator's /authorize takes this
 *        client's requests only by a {@code request_uri} from /par (RFC 9126 §6)
 */
public record ClientEntry(
        String clientId,
        String clientName,
        String secretHash,
        AuthMethod authMethod,
        Set<String> grantTypes,
        Set<String> scope,
        int accessTokenLifetime,
        List<String> redirectUris,
        List<String> postLogoutRedirectUris,
        String jwks,
        boolean requirePkce,
        KeyAlgorithm idTokenSignedResponseAlg,
        boolean dpopBoundAccessTokens,
        boolean requirePushedAuthorizationRequests) {

    public static final int DEFAULT_ACCESS_TOKEN_LIFETIME = 300;

    public ClientEntry {
        // registry order is kept: it is the order of the scope a token is granted
        grantTypes = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(grantTypes));
        scope = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(scope));
        redirectUris = List.copyOf(redirectUris);
        postLogoutRedirectUris = List.copyOf(postLogoutRedirectUris);
    }

    public boolean allowsGrant(String grantType) {
        return grantTypes.contains(grantType);
    }

    public boolean isConfidential() {
        return authMethod != AuthMethod.NONE;
    }
}
