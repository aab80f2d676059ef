package dev.tokenservices.portal.web;

import dev.tokenservices.portal.config.PortalConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;

/** Scopes in plain words for the consent page ({@code portal.scope-descriptions}); unknown ones as-is. */
@ApplicationScoped
public class ScopeWords {

    private final Map<String, String> descriptions;

    public ScopeWords(PortalConfig config) {
        this.descriptions = Map.copyOf(config.scopeDescriptions());
    }

    public List<Line> describe(List<String> scopes) {
        return scopes.stream().map(scope -> new Line(scope, descriptions.getOrDefault(scope, scope))).toList();
    }

    /** One scope and what it means. */
    public record Line(String scope, String words) {
    }
}
