package dev.tokenservices.shared.registry;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The validated content of the registry file: who may ask for tokens, which APIs tokens are for,
 * whose id_tokens are trusted, and where users log in. Immutable; build it with {@link RegistryFile}.
 */
public record Registry(List<ClientEntry> clients, List<ResourceEntry> resources,
        List<TrustedIssuerEntry> trustedIssuers, List<UpstreamIdpEntry> upstreamIdps) {

    public Registry {
        clients = List.copyOf(clients);
        resources = List.copyOf(resources);
        trustedIssuers = List.copyOf(trustedIssuers);
        upstreamIdps = List.copyOf(upstreamIdps);
    }

    public Map<String, ClientEntry> clientsById() {
        return clients.stream().collect(Collectors.toUnmodifiableMap(ClientEntry::clientId, Function.identity()));
    }

    public Optional<ClientEntry> client(String clientId) {
        return clients.stream().filter(c -> c.clientId().equals(clientId)).findFirst();
    }

    /**
     * Every upstream IdP is also trusted for token exchange, its client_id as the audience; those
     * id_tokens were issued to the orchestrator, so only the orchestrator's client may exchange them.
     */
    public List<TrustedIssuerEntry> allTrustedIssuers(String orchestratorClientId) {
        var all = new java.util.ArrayList<>(trustedIssuers);
        for (UpstreamIdpEntry idp : upstreamIdps) {
            all.add(new TrustedIssuerEntry(idp.issuer(), List.of(idp.clientId()), List.of(orchestratorClientId)));
        }
        return List.copyOf(all);
    }
}
