package dev.tokenservices.token.issuance;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything an access token says, decided by a grant before anything is signed.
 *
 * @param subject      {@code sub}: the client itself for client_credentials, else the user
 * @param audiences    {@code aud}: the resources (RFC 8707) the token is for
 * @param extraClaims  further claims (e.g. {@code idp}, {@code act}, authority claims), JSON-ready values
 */
public record TokenContext(String clientId, String subject, List<String> audiences, Set<String> scopes,
        int lifetimeSeconds, Map<String, Object> extraClaims) {

    public TokenContext {
        audiences = List.copyOf(audiences);
        scopes = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(scopes));
        extraClaims = Map.copyOf(extraClaims);
    }

    public String scopeString() {
        return String.join(" ", scopes);
    }
}
