package dev.tokenservices.core.authority;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/**
 * Who asks for what, as the authorities are told (the contract's webhook request).
 *
 * @param subject    the user's {@code sub}, unchanged from the issuer
 * @param issuer     who vouches for the subject (the upstream IdP)
 * @param claimsJson identity claims for the authorities (email, name, …; never a token) as a JSON object,
 *                   written once for all the authorities one request asks
 */
public record AuthorityRequest(String clientId, String grantType, String subject, String issuer, String claimsJson) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The request with {@code claims} written as JSON. */
    public static AuthorityRequest of(String clientId, String grantType, String subject, String issuer, Map<String, Object> claims) {
        try {
            return new AuthorityRequest(clientId, grantType, subject, issuer, JSON.writeValueAsString(claims));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the identity claims cannot be written as JSON", e);
        }
    }
}
