package dev.tokenservices.token.registry;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.Registry;
import dev.tokenservices.shared.registry.RegistryFile;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.shared.registry.SecretField;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The registry in memory. At start-up the registry file is validated and imported into
 * PostgreSQL; from then on the database is reloaded on a timer, and requests read only memory.
 */
@ApplicationScoped
public class RegistryCache {

    private static final Logger LOG = Logger.getLogger(RegistryCache.class);

    private final TokenServiceConfig config;
    private final RegistryRepository repository;
    private volatile Snapshot snapshot;

    /**
     * The registry and its lookup tables, replaced as a whole. {@code trustedIssuers}: per issuer, every
     * entry that trusts it (from {@code trusted_issuers} and {@code upstream_idps}), kept apart because
     * each names its own audiences and the clients that may exchange tokens issued to them.
     */
    public record Snapshot(Registry registry, Map<String, RegisteredClient> clients, Map<String, ResourceEntry> resources,
            Map<String, ResourceEntry> resourceByScope, Map<String, List<TrustedIssuerEntry>> trustedIssuers, int longestLifetime) {

        /** @param orchestratorClientId the only client that may exchange the upstream IdPs' id_tokens */
        static Snapshot of(Registry registry, String orchestratorClientId) {
            Map<String, RegisteredClient> clients = new HashMap<>();
            for (ClientEntry c : registry.clients()) {
                clients.put(c.clientId(), RegisteredClient.of(c));
            }
            Map<String, ResourceEntry> resources = new HashMap<>();
            Map<String, ResourceEntry> byScope = new HashMap<>();
            for (ResourceEntry r : registry.resources()) {
                resources.put(r.resource(), r);
                r.scopes().forEach(s -> byScope.put(s, r));
            }
            int longest = registry.clients().stream().mapToInt(ClientEntry::accessTokenLifetime).max()
                    .orElse(ClientEntry.DEFAULT_ACCESS_TOKEN_LIFETIME);
            Map<String, List<TrustedIssuerEntry>> issuers = new HashMap<>();
            for (TrustedIssuerEntry t : registry.allTrustedIssuers(orchestratorClientId)) {
                issuers.computeIfAbsent(t.issuer(), i -> new ArrayList<>()).add(t);
            }
            issuers.replaceAll((issuer, entries) -> List.copyOf(entries));
            return new Snapshot(registry, Map.copyOf(clients), Map.copyOf(resources), Map.copyOf(byScope), Map.copyOf(issuers), longest);
        }
    }

    public RegistryCache(TokenServiceConfig config, RegistryRepository repository) {
        this.config = config;
        this.repository = repository;
        this.snapshot = Snapshot.of(new Registry(List.of(), List.of(), List.of(), List.of()), config.orchestratorClientId());
    }

    /**
     * Called once at start-up, off the event loop. A wrong file stops start-up here. The token
     * service authenticates clients, so it reads their secrets, but never the upstream IdPs' (the
     * orchestrator's alone).
     */
    public void start() {
        Registry file = RegistryFile.load(config.registry(), EnumSet.of(SecretField.CLIENT_SECRETS),
                ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()), LOG::warn);
        repository.importRegistry(file).await().atMost(Duration.ofSeconds(30));
        snapshot = Snapshot.of(repository.load().await().atMost(Duration.ofSeconds(30)), config.orchestratorClientId());
        LOG.infof("registry %s: %d clients, %d resources, %d trusted issuers, %d upstream IdPs", config.registry(),
                file.clients().size(), file.resources().size(), file.trustedIssuers().size(), file.upstreamIdps().size());
    }

    @Scheduled(every = "${ts.registry-refresh-interval:30s}", delayed = "${ts.registry-refresh-interval:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        try {
            snapshot = Snapshot.of(repository.load().await().atMost(config.dependencyTimeout()), config.orchestratorClientId());
        } catch (RuntimeException e) {
            LOG.warnf("registry not reloaded from PostgreSQL (%s); the cached registry stays in use", e.getMessage());
        }
    }

    public Optional<RegisteredClient> client(String clientId) {
        return Optional.ofNullable(snapshot.clients().get(clientId));
    }

    public Optional<ResourceEntry> resource(String resource) {
        return Optional.ofNullable(snapshot.resources().get(resource));
    }

    public Optional<ResourceEntry> resourceOfScope(String scope) {
        return Optional.ofNullable(snapshot.resourceByScope().get(scope));
    }

    public int longestAccessTokenLifetime() {
        return snapshot.longestLifetime();
    }

    public Snapshot snapshot() {
        return snapshot;
    }
}
