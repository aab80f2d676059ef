package dev.tokenservices.orchestrator.authorize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.orchestrator.token.UserClaims;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.OAuthErrors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code claims} request parameter (OIDC Core §5.5): a JSON object whose {@code id_token} and
 * {@code userinfo} members map claim names to {@code null} or to an object with {@code essential}
 * (boolean), {@code value} or {@code values} (array). Malformed, it is {@code invalid_request}; claims
 * we do not know, or that the client's registered scope does not cover, are ignored (§5.5: never an
 * error, even when essential). Other members are ignored.
 */
final class ClaimsParameter {

    /** Far above any real request (every standard claim twice is under 1 KiB). */
    static final int MAX_LENGTH = 4096;

    private ClaimsParameter() {
    }

    /** @param allowed the client's registered scope */
    static ClaimsRequest parse(String value, Set<String> allowed) {
        if (value == null) {
            return ClaimsRequest.NONE;
        }
        if (value.length() > MAX_LENGTH) {
            throw invalid("claims is longer than " + MAX_LENGTH + " characters");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(value);
        } catch (JsonProcessingException e) {
            throw invalid("claims is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw invalid("claims must be a JSON object");
        }
        return new ClaimsRequest(member(root, "id_token", allowed), member(root, "userinfo", allowed));
    }

    private static List<String> member(JsonNode root, String name, Set<String> allowed) {
        JsonNode member = root.get(name);
        if (member == null || member.isNull()) {
            return List.of();
        }
        if (!member.isObject()) {
            throw invalid("claims." + name + " must be a JSON object");
        }
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = member.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> claim = it.next();
            checkRequest(name, claim.getValue());
            String scope = UserClaims.scopeOf(claim.getKey()).orElse(null);
            if (scope != null && allowed.contains(scope)) {
                names.add(claim.getKey());
            }
        }
        return names;
    }

    /** §5.5.1: null, or an object whose essential is a boolean and values an array. */
    private static void checkRequest(String member, JsonNode request) {
        if (request.isNull()) {
            return;
        }
        // the claim's name is not repeated: it is the client's text, not ours to echo
        String where = "each claim of claims." + member;
        if (!request.isObject()) {
            throw invalid(where + " must be null or a JSON object");
        }
        JsonNode essential = request.get("essential");
        if (essential != null && !essential.isBoolean()) {
            throw invalid("essential in " + where + " must be true or false");
        }
        JsonNode values = request.get("values");
        if (values != null && !values.isArray()) {
            throw invalid("values in " + where + " must be an array");
        }
    }

    private static AuthorizeError invalid(String description) {
        return new AuthorizeError(OAuthErrors.INVALID_REQUEST, description);
    }
}
