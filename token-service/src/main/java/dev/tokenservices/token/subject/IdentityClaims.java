package dev.tokenservices.token.subject;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** Identity claims kept as a JSON object beside a user grant (device record, refresh token family). */
public final class IdentityClaims {

    private static final ObjectMapper JSON = new ObjectMapper();

    private IdentityClaims() {
    }

    public static String toJson(Map<String, Object> claims) {
        try {
            return JSON.writeValueAsString(claims);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "{}";
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, LinkedHashMap.class);
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }
}
