package dev.tokenservices.portal.registry;

import dev.tokenservices.portal.config.PortalConfig;
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
import java.util.List;
import java.util.Optional;

/**
 * The registered clients, read from the registry file at start-up and re-read when it changes
 * ({@code portal.registry-refresh-interval}), for what the consent page says about a device: whether
 * it is registered at all, its {@code client_name}, and which resources (and their scope authorities)
 * its scopes belong to. A file that does not validate stops start-up.
 * The portal reads no secret of the file (it authenticates no client): the Deployment of the
 * internet-facing portal holds none of them.
 */
@ApplicationScoped
public class DeviceClients {

    private final PortalConfig config;
    private final RegistryLoader<View> loader;

    /** What the portal reads of one registry: its clients and the upstream IdPs' issuers. */
    record View(Registry registry, List<String> upstreamIssuers) {
        static View of(Registry registry) {
            return new View(registry, registry.upstreamIdps().stream().map(UpstreamIdpEntry::issuer).toList());
        }
    }

    public DeviceClients(PortalConfig config, Validator validator, MeterRegistry metrics) {
        this.config = config;
        this.loader = new RegistryLoader<>(config.registry(), EnumSet.noneOf(SecretField.class),
                ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()), validator, View::of, metrics);
    }

    /** Loads the registry file; throws (stopping start-up) with a message naming the file, entry and field. */
    public void load() {
        loader.start(config.registryRefreshInterval());
    }

    @PreDestroy
    void stop() {
        loader.close();
    }

    /** The upstream IdPs the orchestrator sends users to (their login pages follow our forms' redirects). */
    public List<String> upstreamIssuers() {
        return loader.view().upstreamIssuers();
    }

    public Optional<ClientEntry> find(String clientId) {
        return loader.view().registry().client(clientId);
    }

    /** The resource a scope belongs to (the registry's {@code resources}), or null for a scope of none. */
    public ResourceEntry resourceOfScope(String scope) {
        return loader.view().registry().resourcesByScope().get(scope);
    }

    /** The name a person recognises: the client's {@code client_name}, else its {@code client_id}. */
    public String displayName(String clientId) {
        return find(clientId).map(ClientEntry::clientName).filter(name -> !name.isBlank()).orElse(clientId);
    }
}
