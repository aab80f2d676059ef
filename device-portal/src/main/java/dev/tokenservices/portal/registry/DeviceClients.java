package dev.tokenservices.portal.registry;

import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.Registry;
import dev.tokenservices.shared.registry.RegistryFile;
import dev.tokenservices.shared.registry.SecretField;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The registered clients, read once from the registry file at start-up, for what the consent page
 * says about a device: its {@code client_name}. A file that does not validate stops start-up.
 */
@ApplicationScoped
public class DeviceClients {

    private static final Logger LOG = Logger.getLogger(DeviceClients.class);

    private final PortalConfig config;
    private volatile Map<String, ClientEntry> clients = Map.of();
    private volatile List<String> upstreamIssuers = List.of();

    public DeviceClients(PortalConfig config) {
        this.config = config;
    }

    /**
     * Loads the registry file; throws (stopping start-up) with a message naming the file and field.
     * The portal reads no secret of the file (it authenticates no client): the Deployment of the
     * internet-facing portal holds none of them.
     */
    public void load() {
        Registry registry = RegistryFile.load(config.registry(), EnumSet.noneOf(SecretField.class),
                ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()), LOG::warn);
        clients = registry.clients().stream().collect(Collectors.toUnmodifiableMap(ClientEntry::clientId, Function.identity()));
        upstreamIssuers = registry.upstreamIdps().stream().map(UpstreamIdpEntry::issuer).toList();
        LOG.infof("registry %s: %d clients", config.registry(), clients.size());
    }

    /** The upstream IdPs the orchestrator sends users to (their login pages follow our forms' redirects). */
    public List<String> upstreamIssuers() {
        return upstreamIssuers;
    }

    public Optional<ClientEntry> find(String clientId) {
        return Optional.ofNullable(clients.get(clientId));
    }

    /** The name a person recognises: the client's {@code client_name}, else its {@code client_id}. */
    public String displayName(String clientId) {
        return find(clientId).map(ClientEntry::clientName).filter(name -> !name.isBlank()).orElse(clientId);
    }
}
