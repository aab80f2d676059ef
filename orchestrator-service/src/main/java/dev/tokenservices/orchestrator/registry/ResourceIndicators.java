package dev.tokenservices.orchestrator.registry;

import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.ResourceEntry;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Resource indicators (RFC 8707) at the orchestrator: which APIs a login's tokens are for. At
 * /authorize they pick the APIs the login obtains tokens for ({@link #narrow}); at /token a client may
 * ask for fewer of them, never for more. Pure rules over the registry in use, no I/O.
 */
@ApplicationScoped
public class ResourceIndicators {

    private final Clients clients;

    public ResourceIndicators(Clients clients) {
        this.clients = clients;
    }

    /**
     * The {@code resource} values of a request, each once, in the order sent. Each must be an absolute
     * URI without a fragment (RFC 8707 §2), a registered resource, and one this client may obtain
     * tokens for (its {@code scope} allowance holds one of the resource's scopes); else
     * {@code invalid_target}.
     */
    public List<String> requested(List<String> values, ClientEntry client) {
        Set<String> resources = new LinkedHashSet<>();
        for (String value : values) {
            ResourceEntry entry = registered(value);
            if (entry.scopes().stream().noneMatch(client.scope()::contains)) {
                throw OAuthException.invalidTarget("this client may not obtain tokens for resource " + entry.resource());
            }
            resources.add(entry.resource());
        }
        return List.copyOf(resources);
    }

    /**
     * An authorization request's scopes for the APIs {@code resources} names (RFC 8707 §2: the
     * resource narrows the request): scopes of other APIs are left out, and an API named without
     * any of its scopes asked for gets what this client may have there. Scopes that belong to no API
     * (the OIDC ones) stay. Without {@code resources}, the scopes as they are.
     *
     * @param scopes    the request's scopes, within the client's allowance
     * @param resources as {@link #requested} returned them
     */
    public List<String> narrow(List<String> scopes, List<String> resources, ClientEntry client) {
        if (resources.isEmpty()) {
            return scopes;
        }
        Set<String> narrowed = new LinkedHashSet<>();
        for (String scope : scopes) {
            Optional<String> owner = ownerOf(scope);
            if (owner.isEmpty() || resources.contains(owner.get())) {
                narrowed.add(scope);
            }
        }
        for (String resource : resources) {
            List<String> own = clients.resourceScopes(resource);
            if (own.stream().noneMatch(narrowed::contains)) {
                own.stream().filter(client.scope()::contains).forEach(narrowed::add);
            }
        }
        return new ArrayList<>(narrowed);
    }

    /** The APIs whose scopes a login asked for: what its authorization covers. */
    public Set<String> covered(List<String> scopes) {
        Set<String> resources = new LinkedHashSet<>();
        scopes.forEach(scope -> ownerOf(scope).ifPresent(resources::add));
        return resources;
    }

    /**
     * At a token request: the resources asked for, which must lie within {@code authorized} (RFC 8707
     * §2.2: a token request may narrow, never widen); empty when none is asked for.
     */
    public List<String> within(List<String> values, Set<String> authorized, ClientEntry client) {
        List<String> asked = requested(values, client);
        for (String resource : asked) {
            if (!authorized.contains(resource)) {
                throw OAuthException.invalidTarget("resource " + resource + " was not authorized for this grant; a token request can only narrow");
            }
        }
        return asked;
    }

    private Optional<String> ownerOf(String scope) {
        return clients.resources().stream().filter(r -> r.scopes().contains(scope)).map(ResourceEntry::resource).findFirst();
    }

    private ResourceEntry registered(String value) {
        try {
            URI uri = new URI(value);
            if (!uri.isAbsolute() || uri.getRawFragment() != null) {
                throw OAuthException.invalidTarget("resource must be an absolute URI without a fragment (RFC 8707 section 2)");
            }
        } catch (URISyntaxException e) {
            throw OAuthException.invalidTarget("resource is not a valid URI");
        }
        return clients.resources().stream().filter(r -> r.resource().equals(value)).findFirst().orElseThrow(() ->
                OAuthException.invalidTarget("resource " + FormRequest.printable(value) + " is not known to this authorization server"));
    }
}
