package dev.tokenservices.core.authority;

import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.Collection;
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
 *
 * <p>Not a bean of its own: {@code new ScopeAuthorities(calls)} where a service needs it.
 */
public class ScopeAuthorities {

    private final AuthorityCalls calls;

    /**
     * What the authorities granted, together, and what waits for the user.
     *
     * @param scopes       granted, in the order requested; empty when nothing was granted
     * @param audiences    the resources granted something, or the fallback audience when only scopes of no
     *                     resource were granted; empty when nothing was granted
     * @param interactions the resources whose authority asks the user to do something before it grants the
     *                     rest of their requested scopes, in the order of the requested audiences
     * @param waiting      the requested scopes those interactions hold back, in the order requested
     */
    public record Outcome(Set<String> scopes, List<String> audiences, Map<String, Object> resourceClaims,
            List<InteractionRequired> interactions, Set<String> waiting) {

        public boolean nothingGranted() {
            return scopes.isEmpty();
        }
    }

    public ScopeAuthorities(AuthorityCalls calls) {
        this.calls = calls;
    }

    /**
     * Never grants more than {@code scopes}. Fails with {@code 503 temporarily_unavailable} when an
     * authority under {@code on_failure: deny} failed, or this service is too busy to ask one.
     *
     * @param scopes           the scopes the client may ask for, already narrowed by its allowance
     * @param audiences        the resources they belong to (the audiences the request targets)
     * @param resourceOfScope  the registry's scope → resource map
     * @param fallbackAudience the audience when only scopes of no resource are granted
     */
    public Uni<Outcome> decide(AuthorityRequest request, Collection<String> scopes, List<String> audiences,
            Function<String, ResourceEntry> resourceOfScope, String fallbackAudience) {
        Map<ResourceEntry, List<String>> byResource = new LinkedHashMap<>();
        List<String> unowned = new ArrayList<>();
        for (String scope : scopes) {
            ResourceEntry owner = resourceOfScope.apply(scope);
            if (owner == null) {
                unowned.add(scope);
            } else {
                byResource.computeIfAbsent(owner, r -> new ArrayList<>()).add(scope);
            }
        }
        List<Uni<AuthorityCalls.Result>> asked = new ArrayList<>(byResource.size());
        byResource.forEach((resource, owned) -> asked.add(resource.authority() == null
                ? Uni.createFrom().item(new AuthorityCalls.Result(resource, new LinkedHashSet<>(owned), Map.of(), false))
                : calls.ask(resource, owned, request)));
        if (asked.isEmpty()) {
            return Uni.createFrom().item(() -> combine(List.of(), unowned, scopes, audiences, fallbackAudience));
        }
        return Uni.combine().all().unis(asked).with(AuthorityCalls.Result.class,
                results -> combine(results, unowned, scopes, audiences, fallbackAudience));
    }

    private static Outcome combine(List<AuthorityCalls.Result> results, List<String> unowned, Collection<String> requested,
            List<String> targets, String fallback) {
        for (AuthorityCalls.Result r : results) {
            if (r.failed() && r.resource().authority().onFailure() == ResourceEntry.OnFailure.DENY) {
                throw OAuthException.temporarilyUnavailable("the scope authority for " + r.resource().resource()
                        + " did not answer; try again shortly");
            }
        }
        Set<String> granted = new LinkedHashSet<>(unowned);
        Map<String, Object> claims = new LinkedHashMap<>();
        List<String> audiences = new ArrayList<>();
        List<InteractionRequired> interactions = new ArrayList<>();
        Set<String> waiting = new LinkedHashSet<>();
        for (String audience : targets) {
            for (AuthorityCalls.Result r : results) {
                if (!r.resource().resource().equals(audience)) {
                    continue;
                }
                r.interaction().ifPresent(i -> {
                    interactions.add(InteractionRequired.of(audience, i));
                    waiting.addAll(r.waiting());
                });
                if (!r.granted().isEmpty()) {
                    audiences.add(audience);
                    granted.addAll(r.granted());
                    if (!r.claims().isEmpty()) {
                        claims.put(audience, r.claims());
                    }
                }
            }
        }
        Set<String> waitingOrdered = new LinkedHashSet<>();
        requested.stream().filter(waiting::contains).forEach(waitingOrdered::add);
        if (granted.isEmpty()) {
            return new Outcome(Set.of(), List.of(), Map.of(), List.copyOf(interactions), waitingOrdered);
        }
        if (audiences.isEmpty()) {
            audiences.add(fallback);
        }
        // keep the order the scopes were asked in
        Set<String> ordered = new LinkedHashSet<>();
        requested.stream().filter(granted::contains).forEach(ordered::add);
        return new Outcome(ordered, audiences, claims, List.copyOf(interactions), waitingOrdered);
    }
}
