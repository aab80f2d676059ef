package dev.tokenservices.shared.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The validated content of the registry file: who may ask for tokens, which APIs tokens are for,
 * whose id_tokens are trusted, and where users log in; with its lookup tables. Immutable: a changed
 * file gives a new one ({@link RegistryFile}, {@link RegistryLoader}).
 */
public final class Registry {

    public static final Registry EMPTY = new Registry(List.of(), List.of(), List.of(), List.of());

    private final List<ClientEntry> clients;
    private final List<ResourceEntry> resources;
    private final List<TrustedIssuerEntry> trustedIssuers;
    private final List<UpstreamIdpEntry> upstreamIdps;
    private final Map<String, ClientEntry> clientsById;
    private final Map<String, ResourceEntry> resourcesById;
    private final Map<String, ResourceEntry> resourcesByScope;
    private final Map<String, UpstreamIdpEntry> upstreamIdpsById;

    public Registry(List<ClientEntry> clients, List<ResourceEntry> resources, List<TrustedIssuerEntry> trustedIssuers,
            List<UpstreamIdpEntry> upstreamIdps) {
        this.clients = List.copyOf(clients);
        this.resources = List.copyOf(resources);
        this.trustedIssuers = List.copyOf(trustedIssuers);
        this.upstreamIdps = List.copyOf(upstreamIdps);
        this.clientsById = index(this.clients, ClientEntry::clientId);
        this.resourcesById = index(this.resources, ResourceEntry::resource);
        this.upstreamIdpsById = index(this.upstreamIdps, UpstreamIdpEntry::id);
        Map<String, ResourceEntry> byScope = new HashMap<>();
        this.resources.forEach(r -> r.scopes().forEach(scope -> byScope.put(scope, r)));
        this.resourcesByScope = Map.copyOf(byScope);
    }

    private static <T> Map<String, T> index(List<T> entries, Function<T, String> id) {
        return entries.stream().collect(Collectors.toUnmodifiableMap(id, Function.identity()));
    }

    public List<ClientEntry> clients() {
        return clients;
    }

    public List<ResourceEntry> resources() {
        return resources;
    }

    public List<TrustedIssuerEntry> trustedIssuers() {
        return trustedIssuers;
    }

    /** In file order (the orchestrator's chooser lists them so). */
    public List<UpstreamIdpEntry> upstreamIdps() {
        return upstreamIdps;
    }

    public Optional<ClientEntry> client(String clientId) {
        return clientId == null ? Optional.empty() : Optional.ofNullable(clientsById.get(clientId));
    }

    public Optional<ResourceEntry> resource(String resource) {
        return resource == null ? Optional.empty() : Optional.ofNullable(resourcesById.get(resource));
    }

    public Optional<UpstreamIdpEntry> upstreamIdp(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(upstreamIdpsById.get(id));
    }

    /** Resource indicator → resource. */
    public Map<String, ResourceEntry> resourcesById() {
        return resourcesById;
    }

    /** Scope → the one resource it names. */
    public Map<String, ResourceEntry> resourcesByScope() {
        return resourcesByScope;
    }

    /**
     * Every upstream IdP is also trusted for token exchange, its client_id as the audience; those
     * id_tokens were issued to the orchestrator, so only the orchestrator's client may exchange them;
     * the entry's {@link IssuerPolicy} holds at the token service as it does at the orchestrator.
     */
    public List<TrustedIssuerEntry> allTrustedIssuers(String orchestratorClientId) {
        List<TrustedIssuerEntry> all = new ArrayList<>(trustedIssuers);
        for (UpstreamIdpEntry idp : upstreamIdps) {
            all.add(new TrustedIssuerEntry(idp.issuer(), List.of(idp.clientId()), List.of(orchestratorClientId), idp.policy()));
        }
        return List.copyOf(all);
    }

    @Override
    public String toString() {
        return clients.size() + " clients, " + resources.size() + " resources, " + trustedIssuers.size()
                + " trusted issuers, " + upstreamIdps.size() + " upstream IdPs";
    }
}
