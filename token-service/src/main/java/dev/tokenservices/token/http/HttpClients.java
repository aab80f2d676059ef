package dev.tokenservices.token.http;

import dev.tokenservices.core.authority.AuthorityLimits;
import dev.tokenservices.core.http.EventLoopClients;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The outbound HTTP clients for scope authorities and trusted issuers. Connections are pooled per
 * host ({@code ts.authorities.max-connections}), so a slow authority exhausts only its own pool, never
 * another's; how many calls may wait for a connection is bounded by each authority's bulkhead
 * ({@link dev.tokenservices.core.authority.AuthorityCalls}), not here. Scope authorities, the hot
 * path, are called through plain Vert.x clients, one per event loop ({@link EventLoopClients}), so
 * the pool limits hold per event loop; issuer discovery and JWKS fetches go through a
 * {@link WebClient} with a pool of its own.
 */
@ApplicationScoped
public class HttpClients {

    private EventLoopClients authorities;
    private HttpClient issuers;

    /** Made at start-up, so that pool settings it cannot use stop the start rather than the first exchange. */
    @Produces
    @Singleton
    @Startup
    EventLoopClients authorityClients(Vertx vertx, TokenServiceConfig config) {
        authorities = new EventLoopClients(vertx, options(config.authorities()));
        return authorities;
    }

    @Produces
    @Singleton
    WebClient issuerClient(Vertx vertx, TokenServiceConfig config) {
        issuers = vertx.createHttpClient(options(config.authorities()));
        return WebClient.newInstance(io.vertx.ext.web.client.WebClient.wrap(issuers, new WebClientOptions()
                .setUserAgent("tokenservices")
                .setFollowRedirects(false)));
    }

    /**
     * The pool settings, checked together with the authorities' bulkhead settings: a start-up with an
     * unusable pool or bulkhead fails naming the setting.
     */
    static HttpClientOptions options(TokenServiceConfig.Authorities pool) {
        return limits(pool).httpClientOptions("ts.authorities.");
    }

    /** The bounds of the calls to scope authorities, from {@code ts.authorities.*}. */
    public static AuthorityLimits limits(TokenServiceConfig.Authorities pool) {
        return new AuthorityLimits(pool.circuitFailureThreshold(), pool.circuitOpenDuration(), pool.maxConnections(),
                pool.maxConcurrentCalls(), pool.maxWaiting(), pool.maxResponseBytes());
    }

    @PreDestroy
    void close() {
        if (authorities != null) {
            authorities.close();
        }
        if (issuers != null) {
            issuers.close();
        }
    }
}
