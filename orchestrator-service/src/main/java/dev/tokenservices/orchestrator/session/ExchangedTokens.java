package dev.tokenservices.orchestrator.session;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the token service gave for a login, per resource (RFC 8707): an access token whose only
 * {@code aud} is that resource, and the token service's refresh token that renews it. A resource
 * whose authority granted nothing is absent.
 *
 * @param accessTokens  per resource
 * @param refreshTokens per resource, the token service's refresh token (absent when it gave none)
 * @param interactions  the resources whose authority waits for the user to do something first
 *                      (the token service's {@code interaction_required} member), in registry order
 */
public record ExchangedTokens(Map<String, PerResource> accessTokens, Map<String, String> refreshTokens,
        List<Interaction> interactions) {

    /** @param tokenType as the token service answered: {@code DPoP} when bound to the client's key (RFC 9449 §5), else bearer */
    public record PerResource(String accessToken, int expiresIn, String scope, String tokenType) {

        public boolean bound() {
            return "DPoP".equalsIgnoreCase(tokenType);
        }
    }

    /**
     * What an API asks the user to do before it grants the rest of its scopes: its page at
     * {@code url} (never fetched here, only followed by the browser), why, and what to tell the user.
     */
    public record Interaction(String resource, String url, String reason, String message) {
    }

    public ExchangedTokens {
        // records stored before interactions existed read with none
        interactions = interactions == null ? List.of() : List.copyOf(interactions);
    }

    public static ExchangedTokens none() {
        return new ExchangedTokens(Map.of(), Map.of(), List.of());
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

    /** What was obtained for {@code resources} alone (RFC 8707: a token request narrowed to them). */
    public ExchangedTokens only(Collection<String> resources) {
        Map<String, PerResource> access = new LinkedHashMap<>(accessTokens);
        access.keySet().retainAll(resources);
        Map<String, String> refresh = new LinkedHashMap<>(refreshTokens);
        refresh.keySet().retainAll(resources);
        return new ExchangedTokens(access, refresh, interactions.stream().filter(i -> resources.contains(i.resource())).toList());
    }

    public List<String> accessTokenValues() {
        return accessTokens.values().stream().map(PerResource::accessToken).toList();
    }

    /** The bearer tokens obtained (refresh tokens, then access tokens), for revocation when they go unused. */
    public List<String> bearerTokens() {
        List<String> all = new ArrayList<>(refreshTokens.values());
        all.addAll(accessTokenValues());
        return all;
    }
}
