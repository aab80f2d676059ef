package dev.tokenservices.core.authority;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenservices.shared.json.JsonText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One entry of a token response's {@code interaction_required} member: a resource whose authority
 * waits for the user to do something at {@code url} before it grants the rest of its requested scopes.
 * The token service writes the member ({@link #json}) into token responses and into
 * {@code 400 invalid_scope} when nothing was granted; the orchestrator reads it back ({@link #parse})
 * from the token exchange it calls.
 * <pre>
 * "interaction_required": [{"resource": "…", "url": "…", "reason": "…", "message": "…"}]
 * </pre>
 */
public record InteractionRequired(String resource, String url, String reason, String message) {

    /** The member's name in token and error responses. */
    public static final String MEMBER = "interaction_required";

    public static InteractionRequired of(String resource, Interaction interaction) {
        return new InteractionRequired(resource, interaction.url(), interaction.reason(), interaction.message());
    }

    public Interaction interaction() {
        return new Interaction(url, reason, message);
    }

    /** The member's value: a JSON array, in the order given. */
    public static String json(List<InteractionRequired> entries) {
        StringBuilder sb = new StringBuilder(160 * entries.size() + 2).append('[');
        for (InteractionRequired entry : entries) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('{');
            JsonText.field(sb, "resource", entry.resource()).append(',');
            JsonText.field(sb, "url", entry.url()).append(',');
            JsonText.field(sb, "reason", entry.reason()).append(',');
            JsonText.field(sb, "message", entry.message()).append('}');
        }
        return sb.append(']').toString();
    }

    /**
     * The member as a reader finds it (the value of {@link #MEMBER}, or null when absent): empty when
     * absent; an entry that is not a string-valued object or breaks {@link Interaction}'s rules makes the
     * whole member unreadable (empty {@link Optional}), as it can only come from a peer that is broken.
     */
    public static Optional<List<InteractionRequired>> parse(JsonNode member) {
        if (member == null || member.isNull()) {
            return Optional.of(List.of());
        }
        if (!member.isArray()) {
            return Optional.empty();
        }
        List<InteractionRequired> entries = new ArrayList<>(member.size());
        for (JsonNode node : member) {
            JsonNode resource = node.get("resource");
            if (!node.isObject() || resource == null || !resource.isTextual()) {
                return Optional.empty();
            }
            Optional<Interaction> interaction = Interaction.parse(node);
            if (interaction.isEmpty()) {
                return Optional.empty();
            }
            entries.add(of(resource.asText(), interaction.get()));
        }
        return Optional.of(List.copyOf(entries));
    }
}
