package dev.tokenservices.orchestrator.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the token service gave for a login, per resource (RFC 8707): an access token whose only
 * {@code aud} is that resource, and the token service's refresh token that renews it. A resource
 * whose authority granted nothing is absent.
 *
 * @param accessTokens  per resource
 * @param refreshTokens per resource, the token service's refresh token (absent when it gave none)
 */
public record ExchangedTokens(Map<String, PerResource> accessTokens, Map<String, String> refreshTokens) {

    public record PerResource(String accessToken, int expiresIn, String scope) {
    }

    public static ExchangedTokens none() {
        return new ExchangedTokens(Map.of(), Map.of());
    }

    /** Every API scope granted, resource by resource. */
    public List<String> scopes() {
        List<String> scopes = new ArrayList<>();
        for (PerResource token : accessTokens.values()) {
            for (String scope : token.scope().split(" ")) {
                if (!scope.isEmpty() && !scopes.contains(scope)) {
                    scopes.add(scope);
                }
            }
        }
        return scopes;
    }

    public List<String> accessTokenValues() {
        return accessTokens.values().stream().map(PerResource::accessToken).toList();
    }
}
