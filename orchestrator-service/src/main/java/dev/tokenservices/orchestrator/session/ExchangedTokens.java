package dev.tokenservices.orchestrator.session;

import java.util.Map;

/**
 * What the token service gave for a login: one access token for every resource that granted
 * something (or none), its refresh token, and per resource an access token when there are several.
 *
 * @param accessToken  null when no API granted anything
 * @param accessTokens per resource, only when the grant spans several resources
 */
public record ExchangedTokens(String accessToken, int expiresIn, String scope, String refreshToken,
        Map<String, PerResource> accessTokens) {

    public record PerResource(String accessToken, int expiresIn, String scope) {
    }

    public static ExchangedTokens none() {
        return new ExchangedTokens(null, 0, "", null, Map.of());
    }
}
