package dev.tokenservices.orchestrator.registry;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.Registry;
import dev.tokenservices.shared.registry.RegistryLoader;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.shared.registry.SecretField;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.LaunchMode;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.Validator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry as the orchestrator needs it, read from the registry file at start and re-read when it
 * changes ({@code orchestrator.registry-refresh-interval}): the clients that log users in here
 * (redirect URIs, secret hashes), the resources (to split access tokens per resource) and the upstream
 * IdPs with their secrets (held in memory only). The orchestrator reads the secrets of the clients that
 * log users in here (authorization_code) and its own at the upstream IdPs, not those of clients that
 * only use the token service.
 */
@ApplicationScoped
public class Clients {

    private final OrchestratorConfig config;
    /** The view of each snapshot: every client as client authentication needs it (its secret hash parsed once). */
    private final RegistryLoader<Map<String, RegisteredClient>> loader;

    public Clients(OrchestratorConfig config, Validator validator, MeterRegistry metrics) {
        this.config = config;
        this.loader = new RegistryLoader<>(config.registry(), EnumSet.of(SecretField.LOGIN_CLIENT_SECRETS, SecretField.UPSTREAM_IDP_SECRETS),
                ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()), validator, Clients::registered, metrics);
    }

    /** Reads the file; a mistake stops start-up with the message naming file, entry and field. */
    public void start() {
        loader.start(config.registryRefreshInterval());
    }

    @PreDestroy
    void stop() {
        loader.close();
    }

    public Optional<ClientEntry> client(String clientId) {
        return loader.registry().client(clientId);
    }

    /** The client as client authentication needs it. */
    public Optional<RegisteredClient> registered(String clientId) {
        return clientId == null ? Optional.empty() : Optional.ofNullable(loader.view().get(clientId));
    }

    private static Map<String, RegisteredClient> registered(Registry registry) {
        Map<String, RegisteredClient> out = new LinkedHashMap<>();
        registry.clients().forEach(c -> out.put(c.clientId(), RegisteredClient.of(c)));
        return Map.copyOf(out);
    }

    /** In file order: the chooser lists them so. */
    public List<UpstreamIdpEntry> upstreamIdps() {
        return loader.registry().upstreamIdps();
    }

    public Optional<UpstreamIdpEntry> upstreamIdp(String id) {
        return loader.registry().upstreamIdp(id);
    }

    public List<ResourceEntry> resources() {
        return loader.registry().resources();
    }

    /** The scopes of a registered resource; none when it is no longer registered. */
    public List<String> resourceScopes(String resource) {
        return resources().stream().filter(r -> r.resource().equals(resource)).findFirst().map(ResourceEntry::scopes).orElse(List.of());
    }
}
