package dev.tokenservices.token.registry;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.Registry;
import dev.tokenservices.shared.registry.RegistryLoader;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.shared.registry.SecretField;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.LaunchMode;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.Validator;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry file in memory, the only copy: read at start-up, re-read when it changes
 * ({@code ts.registry-refresh-interval}); requests read only memory. The token service authenticates
 * clients, so it reads their secrets, but never the upstream IdPs' (the orchestrator's alone).
 */
@ApplicationScoped
public class RegistryCache {

    private final TokenServiceConfig config;
    private final RegistryLoader<Snapshot> loader;

    /**
     * The registry and its lookup tables, replaced as a whole. {@code trustedIssuers}: per issuer (and
     * per issuer alias), every entry that trusts it (from {@code trusted_issuers} and {@code upstream_idps}),
     * kept apart because each names its own audiences and the clients that may exchange tokens issued
     * to them; {@code templatedIssuers}: the entries of issuers templated by tenant.
     */
    public record Snapshot(Registry registry, Map<String, RegisteredClient> clients,
            Map<String, List<TrustedIssuerEntry>> trustedIssuers, List<TrustedIssuerEntry> templatedIssuers, int longestLifetime) {

        /** @param orchestratorClientId the only client that may exchange the upstream IdPs' id_tokens */
        static Snapshot of(Registry registry, String orchestratorClientId) {
            Map<String, RegisteredClient> clients = new HashMap<>();
            for (ClientEntry c : registry.clients()) {
                clients.put(c.clientId(), RegisteredClient.of(c));
            }
            int longest = registry.clients().stream().mapToInt(ClientEntry::accessTokenLifetime).max()
                    .orElse(ClientEntry.DEFAULT_ACCESS_TOKEN_LIFETIME);
            Map<String, List<TrustedIssuerEntry>> issuers = new HashMap<>();
            List<TrustedIssuerEntry> templated = new ArrayList<>();
            for (TrustedIssuerEntry t : registry.allTrustedIssuers(orchestratorClientId)) {
                if (t.policy().templated()) {
                    templated.add(t);
                    continue;
                }
                issuers.computeIfAbsent(t.issuer(), i -> new ArrayList<>()).add(t);
                t.policy().aliases().forEach(alias -> issuers.computeIfAbsent(alias, i -> new ArrayList<>()).add(t));
            }
            issuers.replaceAll((issuer, entries) -> List.copyOf(entries));
            return new Snapshot(registry, Map.copyOf(clients), Map.copyOf(issuers), List.copyOf(templated), longest);
        }

        /**
         * The entries a token with this {@code iss} (and {@code tid}) is judged by: those of exactly that
         * issuer or alias, else those of a templated issuer naming one of its allowed tenants so
         * (IssuerPolicy). Empty when none: nothing is then fetched for it.
         */
        public List<TrustedIssuerEntry> trustedFor(String iss, Object tid) {
            List<TrustedIssuerEntry> exact = trustedIssuers.get(iss);
            if (exact != null) {
                return exact;
            }
            return templatedIssuers.stream().filter(t -> t.policy().namedBy(iss, tid)).toList();
        }

        /** Resource indicator → resource. */
        public Map<String, ResourceEntry> resources() {
            return registry.resourcesById();
        }

        /** Scope → the resource it names. */
        public Map<String, ResourceEntry> resourceByScope() {
            return registry.resourcesByScope();
        }
    }

    public RegistryCache(TokenServiceConfig config, Validator validator, MeterRegistry metrics) {
        this.config = config;
        this.loader = new RegistryLoader<>(config.registry(), EnumSet.of(SecretField.CLIENT_SECRETS),
                ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()), validator,
                registry -> Snapshot.of(registry, config.orchestratorClientId()), metrics);
    }

    /** Called once at start-up, off the event loop: a wrong file stops start-up here. */
    public void start() {
        loader.start(config.registryRefreshInterval());
    }

    @PreDestroy
    void stop() {
        loader.close();
    }

    public Optional<RegisteredClient> client(String clientId) {
        return clientId == null ? Optional.empty() : Optional.ofNullable(snapshot().clients().get(clientId));
    }

    public int longestAccessTokenLifetime() {
        return snapshot().longestLifetime();
    }

    /** The registry in use; a request reads it once and keeps that one throughout. */
    public Snapshot snapshot() {
        return loader.view();
    }
}
