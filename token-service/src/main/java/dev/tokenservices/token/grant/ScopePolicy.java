package dev.tokenservices.token.grant;

import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.ResourceEntry;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Which scopes and audiences a client may have, from its allowance, the requested {@code scope}
 * (RFC 6749 §3.3) and {@code resource} indicators (RFC 8707). Pure rules, no I/O.
 */
public final class ScopePolicy {

    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    /** The scopes to grant and the resources ({@code aud}) they are for. */
    public record Decision(Set<String> scopes, List<String> audiences) {
    }

    private final Function<String, ResourceEntry> resourceOfScope;
    private final Map<String, ResourceEntry> resources;
    private final String issuer;

    public ScopePolicy(Function<String, ResourceEntry> resourceOfScope, Map<String, ResourceEntry> resources, String issuer) {
        this.resourceOfScope = resourceOfScope;
        this.resources = resources;
        this.issuer = issuer;
    }

    /**
     * @param scopeParameter  the {@code scope} parameter, or null for the client's whole allowance
     * @param resourceParameters the {@code resource} parameters, possibly empty
     */
    public Decision decide(ClientEntry client, String scopeParameter, List<String> resourceParameters) {
        return decide(client.scope(), scopeParameter, resourceParameters);
    }

    /** @param allowance the most that may be granted, in the order scopes are listed by default */
    public Decision decide(Set<String> allowance, String scopeParameter, List<String> resourceParameters) {
        Set<String> requested = scopeParameter == null ? new LinkedHashSet<>(allowance) : parse(scopeParameter);
        for (String scope : requested) {
            if (!allowance.contains(scope)) {
                throw OAuthException.invalidScope("scope '" + scope + "' is not allowed for this client");
            }
        }
        List<ResourceEntry> targets = new ArrayList<>();
        for (String resource : resourceParameters) {
            targets.add(target(resource));
        }
        if (targets.isEmpty()) {
            if (requested.isEmpty()) {
                throw OAuthException.invalidScope("no scope was requested and the client has no scope allowance");
            }
            Set<String> audiences = new LinkedHashSet<>();
            for (String scope : requested) {
                ResourceEntry owner = resourceOfScope.apply(scope);
                if (owner != null) {
                    audiences.add(owner.resource());
                }
            }
            return new Decision(requested, audiences.isEmpty() ? List.of(issuer) : List.copyOf(audiences));
        }
        Set<String> granted = new LinkedHashSet<>();
        for (String scope : requested) {
            ResourceEntry owner = resourceOfScope.apply(scope);
            boolean inTarget = owner != null && targets.contains(owner);
            if (inTarget) {
                granted.add(scope);
            } else if (scopeParameter != null) {
                throw OAuthException.invalidScope("scope '" + scope + "' is not a scope of the requested resource");
            }
        }
        for (ResourceEntry target : targets) {
            if (target.scopes().stream().noneMatch(granted::contains)) {
                throw OAuthException.invalidTarget("this client may not obtain tokens for resource " + target.resource());
            }
        }
        return new Decision(granted, targets.stream().map(ResourceEntry::resource).distinct().toList());
    }

    private ResourceEntry target(String resource) {
        try {
            URI uri = new URI(resource);
            if (!uri.isAbsolute() || uri.getRawFragment() != null) {
                throw OAuthException.invalidTarget("resource must be an absolute URI without a fragment (RFC 8707 §2)");
            }
        } catch (URISyntaxException e) {
            throw OAuthException.invalidTarget("resource is not a valid URI");
        }
        ResourceEntry entry = resources.get(resource);
        if (entry == null) {
            throw OAuthException.invalidTarget("resource " + resource + " is not known to this authorization server");
        }
        return entry;
    }

    /** RFC 6749 §3.3: space-delimited scope-tokens. */
    public static Set<String> parse(String scope) {
        Set<String> scopes = new LinkedHashSet<>();
        for (String token : scope.split(" ")) {
            if (token.isEmpty()) {
                continue;
            }
            if (!SCOPE_TOKEN.matcher(token).matches()) {
                throw OAuthException.invalidScope("the scope parameter is malformed (RFC 6749 §3.3)");
            }
            scopes.add(token);
        }
        return scopes;
    }
}
