package dev.tokenservices.core.authority;

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
 * more), {@code interaction_required} the listed scopes that were requested (none when {@code scopes}
 * is absent) now, while the rest of the requested scopes wait for the {@link Interaction} the answer
 * names. Anything else, an {@code interaction} that breaks {@link Interaction}'s rules included, is a
 * failure, handled by the resource's {@code on_failure}.
 *
 * @param waiting     the requested scopes that wait for {@code interaction}; empty for every other decision
 * @param interaction present only for {@code interaction_required} with scopes left waiting
 */
public record AuthorityAnswer(String decision, Set<String> granted, Map<String, Object> claims, Set<String> waiting,
        Optional<Interaction> interaction) {

    public static final String ACCEPT = "accept";
    public static final String REJECT = "reject";
    public static final String MODIFY = "modify";
    public static final String INTERACTION_REQUIRED = "interaction_required";

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
            case ACCEPT:
                return Optional.of(new AuthorityAnswer(decision, new LinkedHashSet<>(requested), claims, Set.of(),
                        Optional.empty()));
            case REJECT:
                return Optional.of(new AuthorityAnswer(decision, Set.of(), Map.of(), Set.of(), Optional.empty()));
            case MODIFY: {
                JsonNode listed = root.get("scopes");
                Optional<Set<String>> offered = scopes(listed);
                if (listed == null || !listed.isArray() || offered.isEmpty()) {
                    return Optional.empty();
                }
                Set<String> granted = requestedOf(requested, offered.get());
                return Optional.of(new AuthorityAnswer(decision, granted, granted.isEmpty() ? Map.of() : claims, Set.of(),
                        Optional.empty()));
            }
            case INTERACTION_REQUIRED: {
                Optional<Set<String>> offered = scopes(root.get("scopes"));
                Optional<Interaction> interaction = Interaction.parse(root.get("interaction"));
                if (offered.isEmpty() || interaction.isEmpty()) {
                    return Optional.empty();
                }
                Set<String> granted = requestedOf(requested, offered.get());
                Set<String> waiting = new LinkedHashSet<>(requested);
                waiting.removeAll(granted);
                return Optional.of(new AuthorityAnswer(decision, granted, granted.isEmpty() ? Map.of() : claims,
                        waiting, waiting.isEmpty() ? Optional.empty() : interaction));
            }
            default:
                return Optional.empty();
        }
    }

    /** {@code scopes}: absent or null is none; else an array of strings, or the answer is malformed (empty). */
    private static Optional<Set<String>> scopes(JsonNode scopes) {
        if (scopes == null || scopes.isNull()) {
            return Optional.of(Set.of());
        }
        if (!scopes.isArray()) {
            return Optional.empty();
        }
        Set<String> offered = new LinkedHashSet<>();
        for (JsonNode scope : scopes) {
            if (!scope.isTextual()) {
                return Optional.empty();
            }
            offered.add(scope.asText());
        }
        return Optional.of(offered);
    }

    /** The requested scopes among {@code offered}, in the order requested: never more than requested. */
    private static Set<String> requestedOf(List<String> requested, Set<String> offered) {
        Set<String> granted = new LinkedHashSet<>(requested);
        granted.retainAll(offered);
        return granted;
    }
}
