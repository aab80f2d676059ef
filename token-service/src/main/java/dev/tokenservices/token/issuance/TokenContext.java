package dev.tokenservices.token.issuance;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything an access token says, decided by a grant before anything is signed.
 *
 * @param subject      {@code sub}: the client itself for client_credentials, else the user
 * @param audiences    {@code aud}: the resources (RFC 8707) the token is for
 * @param extraClaims  further claims (e.g. {@code idp}, {@code act}, authority claims), JSON-ready values
 * @param jkt          the DPoP key the token is bound to ({@code cnf.jkt}, RFC 9449 §6.1); empty for a bearer token
 */
public record TokenContext(String clientId, String subject, List<String> audiences, Set<String> scopes,
        int lifetimeSeconds, Map<String, Object> extraClaims, Optional<String> jkt) {

    public TokenContext {
        audiences = List.copyOf(audiences);
        scopes = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(scopes));
        extraClaims = Map.copyOf(extraClaims);
    }

    public String scopeString() {
        return String.join(" ", scopes);
    }
}
