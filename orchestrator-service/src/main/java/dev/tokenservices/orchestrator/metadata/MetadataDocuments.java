package dev.tokenservices.orchestrator.metadata;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.shared.log.LogText;
import dev.tokenservices.shared.registry.ClientEntry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jboss.logging.Logger;

/**
 * Clients that bring their own metadata (draft-ietf-oauth-client-id-metadata-document): a
 * {@code client_id} that is an https URL names the JSON document describing the client. It is fetched
 * by the {@link DocumentFetcher} (https, public addresses, 5 KB, 2 s, no redirects), checked by
 * {@link ClientMetadata} (its {@code client_id} must be the URL exactly; public or
 * {@code private_key_jwt} only), its {@code jwks_uri} fetched under the same rules, and kept in memory
 * as long as its {@code Cache-Control} says, within {@code orchestrator.cimd.min-cache-time} and
 * {@code max-cache-time}. A document that cannot be used is refused again without a fetch for
 * {@code failure-cache-time}. Concurrent requests for one URL share one fetch; at most
 * {@code max-cached} documents and failures are kept.
 */
@ApplicationScoped
@Startup // its https client (TLS set up, the trust store read) is ready before the first sign-in
public class MetadataDocuments {

    private static final Logger LOG = Logger.getLogger(MetadataDocuments.class);

    private record Cached(RegisteredClient client, ClientMetadataException failure, Instant expiresAt) {
    }

    private final OrchestratorConfig.MetadataDocuments config;
    private final Set<String> maxScope;
    private final Clock clock;
    private final DocumentFetcher fetcher;
    private final Map<String, Cached> cache;
    private final ConcurrentMap<String, CompletableFuture<RegisteredClient>> inFlight = new ConcurrentHashMap<>();

    public MetadataDocuments(OrchestratorConfig config, Vertx vertx, Clock clock) {
        this.config = config.cimd();
        this.maxScope = ClientMetadata.scopes(config.registration().maxScope());
        this.clock = clock;
        if (this.config.maxCached() < 1 || this.config.minCacheTime().compareTo(this.config.maxCacheTime()) > 0) {
            throw new IllegalStateException("orchestrator.cimd.max-cached must be at least 1 and orchestrator.cimd.min-cache-time at most "
                    + "orchestrator.cimd.max-cache-time");
        }
        this.fetcher = new DocumentFetcher(vertx, this.config);
        int max = this.config.maxCached();
        this.cache = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > max;
            }
        });
        if (this.config.allowLoopback()) {
            LOG.warn("client metadata documents may be fetched from loopback addresses (ORCHESTRATOR_CIMD_ALLOW_LOOPBACK): for tests only");
        }
    }

    @PreDestroy
    void close() {
        fetcher.close();
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** Whether a {@code client_id} is a URL (then, and only then, it is looked up here). */
    public static boolean isUrl(String clientId) {
        return clientId.regionMatches(true, 0, "https:", 0, 6) || clientId.regionMatches(true, 0, "http:", 0, 5);
    }

    /**
     * The client the document at {@code clientId} describes; fails with {@link ClientMetadataException}
     * when it cannot be used, or 503 {@code temporarily_unavailable} while too many fetches run.
     */
    public Uni<RegisteredClient> find(String clientId) {
        return Uni.createFrom().deferred(() -> {
            URI url = ClientMetadata.checkHttpsUrl(clientId, "the client_id");
            Cached cached = cache.get(clientId);
            if (cached != null && clock.instant().isBefore(cached.expiresAt())) {
                return cached.client() != null ? Uni.createFrom().item(cached.client()) : Uni.createFrom().failure(cached.failure());
            }
            CompletableFuture<RegisteredClient> mine = new CompletableFuture<>();
            CompletableFuture<RegisteredClient> running = inFlight.putIfAbsent(clientId, mine);
            if (running != null) {
                return Uni.createFrom().completionStage(running);
            }
            load(clientId, url).subscribe().with(client -> {
                inFlight.remove(clientId, mine);
                mine.complete(client);
            }, failure -> {
                inFlight.remove(clientId, mine);
                mine.completeExceptionally(failure);
            });
            return Uni.createFrom().completionStage(mine);
        });
    }

    private Uni<RegisteredClient> load(String clientId, URI url) {
        return fetcher.fetch(url).chain(document -> {
            ClientMetadata.Checked checked = ClientMetadata.check(ClientMetadata.parse(document.body(), "the client metadata document"),
                    ClientMetadata.Origin.DOCUMENT, clientId, maxScope);
            Duration keep = keep(document.maxAge());
            if (checked.jwksUri() == null) {
                return Uni.createFrom().item(remember(clientId, checked.entry(clientId, null, checked.jwks()), keep));
            }
            return fetcher.fetch(ClientMetadata.checkHttpsUrl(checked.jwksUri(), "jwks_uri")).map(keys -> {
                String jwks = ClientMetadata.jwks(ClientMetadata.parse(keys.body(), "the key set at jwks_uri"));
                Duration both = keep.compareTo(keep(keys.maxAge())) < 0 ? keep : keep(keys.maxAge());
                return remember(clientId, checked.entry(clientId, null, jwks), both);
            });
        }).onFailure(ClientMetadataException.class).invoke(e -> {
            LOG.infof("client metadata document %s refused: %s", LogText.value(clientId), LogText.value(e.getMessage()));
            cache.put(clientId, new Cached(null, (ClientMetadataException) e, clock.instant().plus(config.failureCacheTime())));
        });
    }

    private RegisteredClient remember(String clientId, ClientEntry entry, Duration keep) {
        RegisteredClient client;
        try {
            client = RegisteredClient.of(entry);
        } catch (IllegalArgumentException e) {
            throw ClientMetadata.invalid("the client's keys are not a valid JWK Set");
        }
        cache.put(clientId, new Cached(client, null, clock.instant().plus(keep)));
        return client;
    }

    /** How long a document is kept: its max-age, within the configured bounds. */
    private Duration keep(Optional<Duration> maxAge) {
        Duration wanted = maxAge.orElse(config.minCacheTime());
        return wanted.compareTo(config.minCacheTime()) < 0 ? config.minCacheTime()
                : wanted.compareTo(config.maxCacheTime()) > 0 ? config.maxCacheTime() : wanted;
    }

    /** For messages: the host a URL client_id names, lower-cased. */
    public static String host(String clientId) {
        try {
            String host = new URI(clientId).getHost();
            return host == null ? clientId : host.toLowerCase(Locale.ROOT);
        } catch (java.net.URISyntaxException e) {
            return clientId;
        }
    }
}
