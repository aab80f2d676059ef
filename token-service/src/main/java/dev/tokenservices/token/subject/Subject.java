package dev.tokenservices.token.subject;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who a subject or actor token speaks for, once validated.
 *
 * @param subject   the {@code sub}, unchanged from the issuer
 * @param issuer    who vouches for the subject: the upstream IdP, or this service for its own tokens
 * @param claims    identity claims passed to scope authorities (email, name, …), never protocol claims
 * @param scopes    for our own access tokens, the scopes the token holds (exchange can only narrow)
 * @param expiresAt when the presented token expires
 * @param mayAct    RFC 8693 §4.4 {@code may_act} of the token, when present
 * @param act       RFC 8693 §4.1 {@code act} of the token (a prior delegation chain), when present
 * @param jkt       for our own DPoP-bound access tokens, the key they are bound to ({@code cnf.jkt})
 */
public record Subject(String subject, String issuer, Map<String, Object> claims, Optional<Set<String>> scopes,
        Instant expiresAt, Optional<Map<String, Object>> mayAct, Optional<Map<String, Object>> act, Optional<String> jkt) {

    public Subject {
        claims = Map.copyOf(claims);
    }

    @Override
    public String toString() {
        return "Subject[issuer=" + issuer + ", sub=" + subject + "]";
    }
}
