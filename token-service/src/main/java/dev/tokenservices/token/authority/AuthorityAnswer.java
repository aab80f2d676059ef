package dev.tokenservices.token.authority;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a scope authority answered, reduced to what it grants: {@code accept} grants what was
 * requested, {@code reject} nothing, {@code modify} the listed scopes that were requested (never
 * more). Anything else is a failure, handled by the resource's {@code on_failure}.
 */
public record AuthorityAnswer(String decision, Set<String> granted, Map<String, Object> claims) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Empty when the body is not a well-formed answer. */
    @SuppressWarnings("unchecked")
    public static Optional<AuthorityAnswer> parse(String body, List<String> requested) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
        if (root == null || !root.isObject() || !root.path("decision").isTextual()) {
            return Optional.empty();
        }
        Map<String, Object> claims = Map.of();
        JsonNode claimsNode = root.get("claims");
        if (claimsNode != null && !claimsNode.isNull()) {
            if (!claimsNode.isObject()) {
                return Optional.empty();
            }
            claims = JSON.convertValue(claimsNode, LinkedHashMap.class);
        }
        String decision = root.get("decision").asText();
        switch (decision) {
            case "accept":
                return Optional.of(new AuthorityAnswer(decision, new LinkedHashSet<>(requested), claims));
            case "reject":
                return Optional.of(new AuthorityAnswer(decision, Set.of(), Map.of()));
            case "modify":
                JsonNode scopes = root.get("scopes");
                if (scopes == null || !scopes.isArray()) {
                    return Optional.empty();
                }
                Set<String> offered = new LinkedHashSet<>();
                for (JsonNode scope : scopes) {
                    if (!scope.isTextual()) {
                        return Optional.empty();
                    }
                    offered.add(scope.asText());
                }
                Set<String> granted = new LinkedHashSet<>(requested);
                granted.retainAll(offered);
                return Optional.of(new AuthorityAnswer(decision, granted, granted.isEmpty() ? Map.of() : claims));
            default:
                return Optional.empty();
        }
    }
}
