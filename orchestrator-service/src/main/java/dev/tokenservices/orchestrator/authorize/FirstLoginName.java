package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.web.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sign in with Apple's {@code user} form field: the name the person gave Apple, sent on their first
 * login only ({@code {"name":{"firstName":…,"lastName":…},"email":…}}), never in the id_token. It
 * becomes {@code given_name}, {@code family_name} and {@code name} of that login's identity. The
 * browser posts it, so it is self-asserted like any profile name, bounded, and never more than a
 * name: {@code email} and everything else come from the validated id_token alone.
 */
final class FirstLoginName {

    static final int MAX_LENGTH = 2048;
    private static final int MAX_PART = 200;

    private FirstLoginName() {
    }

    /** The name claims in {@code user}; empty when absent, too long or not the shape Apple sends. */
    static Map<String, Object> of(String user) {
        Map<String, Object> claims = new LinkedHashMap<>();
        if (user == null || user.isEmpty() || user.length() > MAX_LENGTH) {
            return claims;
        }
        Object name;
        try {
            name = Json.object(user).get("name");
        } catch (RuntimeException e) {
            return claims;
        }
        if (!(name instanceof Map<?, ?> parts)) {
            return claims;
        }
        String given = part(parts.get("firstName"));
        String family = part(parts.get("lastName"));
        if (given != null) {
            claims.put("given_name", given);
        }
        if (family != null) {
            claims.put("family_name", family);
        }
        if (given != null || family != null) {
            claims.put("name", given == null ? family : family == null ? given : given + " " + family);
        }
        return claims;
    }

    private static String part(Object value) {
        return value instanceof String s && !s.isBlank() && s.length() <= MAX_PART ? s.strip() : null;
    }
}
