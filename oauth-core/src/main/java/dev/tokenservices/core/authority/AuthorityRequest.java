package dev.tokenservices.core.authority;

import java.util.Map;

/**
 * Who asks for what, as the authorities are told (the contract's webhook request).
 *
 * @param subject the user's {@code sub}, unchanged from the issuer
 * @param issuer  who vouches for the subject (the upstream IdP)
 * @param claims  identity claims for the authorities (email, name, …), never a token
 */
public record AuthorityRequest(String clientId, String grantType, String subject, String issuer, Map<String, Object> claims) {

    public AuthorityRequest {
        claims = Map.copyOf(claims);
    }
}
