package dev.tokenservices.orchestrator.registry;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.Registry;
import dev.tokenservices.shared.registry.RegistryFile;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.shared.registry.SecretField;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The registry as the orchestrator needs it, read from the registry file at start: the clients that
 * log users in here (redirect URIs, secret hashes), the resources (to split access tokens per
 * resource) and the upstream IdPs with their secrets (held in memory only).
 */
@ApplicationScoped
public class Clients {

    private static final Logger LOG = Logger.getLogger(Clients.class);

    private final OrchestratorConfig config;
    private volatile Registry registry = new Registry(List.of(), List.of(), List.of(), List.of());
    private volatile Map<String, ClientEntry> byId = Map.of();
    private volatile Map<String, RegisteredClient> registered = Map.of();
    private volatile Map<String, UpstreamIdpEntry> idps = Map.of();

    public Clients(OrchestratorConfig config) {
        this.config = config;
    }

    /**
     * Reads the file; a mistake stops start-up with the message naming file, entry and field. The
     * orchestrator reads the secrets of the clients that log users in here (authorization_code) and
     * its own at the upstream IdPs, not those of clients that only use the token service.
     */
    public void start() {
        Registry loaded = RegistryFile.load(config.registry(), EnumSet.of(SecretField.LOGIN_CLIENT_SECRETS, SecretField.UPSTREAM_IDP_SECRETS),
                ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()), LOG::warn);
        Map<String, UpstreamIdpEntry> upstream = new LinkedHashMap<>();
        loaded.upstreamIdps().forEach(idp -> upstream.put(idp.id(), idp));
        registry = loaded;
        byId = loaded.clientsById();
        Map<String, RegisteredClient> parsed = new LinkedHashMap<>();
        byId.forEach((id, entry) -> parsed.put(id, RegisteredClient.of(entry)));
        registered = Map.copyOf(parsed);
        idps = Map.copyOf(upstream);
        // ordered copy: the chooser lists IdPs in file order
        idpOrder = List.copyOf(upstream.values());
        LOG.infof("registry %s: %d clients, %d upstream IdPs", config.registry(), byId.size(), idps.size());
    }

    private volatile List<UpstreamIdpEntry> idpOrder = List.of();

    public Optional<ClientEntry> client(String clientId) {
        return clientId == null ? Optional.empty() : Optional.ofNullable(byId.get(clientId));
    }

    /** The client as client authentication needs it (its secret hash parsed once). */
    public Optional<RegisteredClient> registered(String clientId) {
        return clientId == null ? Optional.empty() : Optional.ofNullable(registered.get(clientId));
    }

    public List<UpstreamIdpEntry> upstreamIdps() {
        return idpOrder;
    }

    public Optional<UpstreamIdpEntry> upstreamIdp(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(idps.get(id));
    }

    public Optional<UpstreamIdpEntry> upstreamIdpByIssuer(String issuer) {
        return idpOrder.stream().filter(i -> i.issuer().equals(issuer)).findFirst();
    }

    public List<ResourceEntry> resources() {
        return registry.resources();
    }

    public Optional<ResourceEntry> resource(String resource) {
        return registry.resources().stream().filter(r -> r.resource().equals(resource)).findFirst();
    }
}
