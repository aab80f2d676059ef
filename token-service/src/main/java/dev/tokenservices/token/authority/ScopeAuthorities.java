package dev.tokenservices.token.authority;

import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.token.grant.ScopePolicy;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The fan-out: the requested scopes grouped by the resource they belong to, every resource with a
 * scope authority asked, all in parallel, each under its own guard ({@link AuthorityCalls}), so a slow
 * or dead authority costs only the scopes of its own resource; then the answers combined into one
 * grant. Resources without an authority grant what the client may have.
 */
@ApplicationScoped
public class ScopeAuthorities {

    private final AuthorityCalls calls;

    /** What the authorities granted, together. */
    public record Outcome(Set<String> scopes, List<String> audiences, Map<String, Object> resourceClaims) {
    }

    public ScopeAuthorities(AuthorityCalls calls) {
        this.calls = calls;
    }

    /**
     * @param decision        the scopes the client may ask for and the resources they belong to
     * @param resourceOfScope the registry's scope → resource map
     * @param fallbackAudience the audience when only scopes of no resource are granted
     */
    public Uni<Outcome> decide(AuthorityRequest request, ScopePolicy.Decision decision,
            Function<String, ResourceEntry> resourceOfScope, String fallbackAudience) {
        Map<ResourceEntry, List<String>> byResource = new LinkedHashMap<>();
        List<String> unowned = new ArrayList<>();
        for (String scope : decision.scopes()) {
            ResourceEntry owner = resourceOfScope.apply(scope);
            if (owner == null) {
                unowned.add(scope);
            } else {
                byResource.computeIfAbsent(owner, r -> new ArrayList<>()).add(scope);
            }
        }
        List<Uni<AuthorityCalls.Result>> asked = new ArrayList<>(byResource.size());
        byResource.forEach((resource, scopes) -> asked.add(resource.authority() == null
                ? Uni.createFrom().item(new AuthorityCalls.Result(resource, new LinkedHashSet<>(scopes), Map.of(), false))
                : calls.ask(resource, scopes, request)));
        if (asked.isEmpty()) {
            return Uni.createFrom().item(() -> combine(List.of(), unowned, decision, fallbackAudience));
        }
        return Uni.combine().all().unis(asked).with(AuthorityCalls.Result.class,
                results -> combine(results, unowned, decision, fallbackAudience));
    }

    private static Outcome combine(List<AuthorityCalls.Result> results, List<String> unowned, ScopePolicy.Decision decision,
            String fallback) {
        for (AuthorityCalls.Result r : results) {
            if (r.failed() && r.resource().authority().onFailure() == ResourceEntry.OnFailure.DENY) {
                throw OAuthException.temporarilyUnavailable("the scope authority for " + r.resource().resource()
                        + " did not answer; try again shortly");
            }
        }
        Set<String> granted = new LinkedHashSet<>();
        Map<String, Object> claims = new LinkedHashMap<>();
        for (String scope : decision.scopes()) {
            if (unowned.contains(scope)) {
                granted.add(scope);
            }
        }
        List<String> audiences = new ArrayList<>();
        for (String audience : decision.audiences()) {
            for (AuthorityCalls.Result r : results) {
                if (r.resource().resource().equals(audience) && !r.granted().isEmpty()) {
                    audiences.add(audience);
                    granted.addAll(r.granted());
                    if (!r.claims().isEmpty()) {
                        claims.put(audience, r.claims());
                    }
                }
            }
        }
        if (granted.isEmpty()) {
            throw OAuthException.invalidScope("none of the requested scopes was granted");
        }
        if (audiences.isEmpty()) {
            audiences.add(fallback);
        }
        // keep the order the scopes were asked in
        Set<String> ordered = new LinkedHashSet<>();
        decision.scopes().stream().filter(granted::contains).forEach(ordered::add);
        return new Outcome(ordered, audiences, claims);
    }
}
