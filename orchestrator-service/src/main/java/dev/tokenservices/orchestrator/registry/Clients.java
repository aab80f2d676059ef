package dev.tokenservices.orchestrator.registry;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.metadata.ClientMetadataException;
import dev.tokenservices.orchestrator.metadata.MetadataDocuments;
import dev.tokenservices.orchestrator.registration.RegisteredClients;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.Registry;
import dev.tokenservices.shared.registry.RegistryLoader;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.shared.registry.SecretField;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.LaunchMode;
import io.smallrye.mutiny.Uni;
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
 *
 * <p>{@link #find} is the one lookup of a client that logs users in or redeems their codes: the file
 * first (its entries are vetted by the operator), then, for a {@code client_id} that is a URL, its
 * Client ID Metadata Document ({@link MetadataDocuments}), else a client registered at /register
 * ({@link RegisteredClients}). Clients of the last two kinds are not vetted: they are asked about.
 */
@ApplicationScoped
public class Clients {

    private final OrchestratorConfig config;
    /** The view of each snapshot: every client as client authentication needs it (its secret hash parsed once). */
    private final RegistryLoader<Map<String, RegisteredClient>> loader;

    private final MetadataDocuments documents;
    private final RegisteredClients registeredClients;

    public Clients(OrchestratorConfig config, Validator validator, MeterRegistry metrics, MetadataDocuments documents,
            RegisteredClients registeredClients) {
        this.config = config;
        this.documents = documents;
        this.registeredClients = registeredClients;
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

    /** A client of the registry file (sign-out and error pages know these only). */
    public Optional<ClientEntry> client(String clientId) {
        return loader.registry().client(clientId);
    }

    /**
     * The client, from wherever it comes; empty when it is known nowhere. Fails with
     * {@link ClientMetadataException} when its metadata document cannot be used, and with 503
     * {@code temporarily_unavailable} when the database does not answer or too many documents are
     * being fetched.
     */
    public Uni<Optional<RegisteredClient>> find(String clientId) {
        if (clientId == null) {
            return Uni.createFrom().item(Optional.empty());
        }
        RegisteredClient inFile = loader.view().get(clientId);
        if (inFile != null) {
            return Uni.createFrom().item(Optional.of(inFile));
        }
        if (MetadataDocuments.isUrl(clientId)) {
            return documents.enabled() ? documents.find(clientId).map(Optional::of) : Uni.createFrom().item(Optional.empty());
        }
        return registeredClients.find(clientId);
    }

    /** Whether an operator vetted the client: it is in the registry file. Others are asked about ({@code /authorize} consent). */
    public boolean vetted(String clientId) {
        return loader.view().containsKey(clientId);
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
