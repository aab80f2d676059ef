package dev.tokenservices.token.http;

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
 * ({@link dev.tokenservices.token.authority.AuthorityCalls}), not here. Scope authorities, the hot
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
        if (pool.maxConnections() < 1 || pool.maxConcurrentCalls() < 1 || pool.maxWaiting() < 1) {
            throw new IllegalStateException("ts.authorities.max-connections, ts.authorities.max-concurrent-calls and"
                    + " ts.authorities.max-waiting must each be at least 1 (got " + pool.maxConnections() + ", "
                    + pool.maxConcurrentCalls() + " and " + pool.maxWaiting() + ")");
        }
        if (pool.circuitFailureThreshold() < 1 || pool.circuitOpenDuration().isNegative()) {
            throw new IllegalStateException("ts.authorities.circuit-failure-threshold must be at least 1 and"
                    + " ts.authorities.circuit-open-duration not negative (got " + pool.circuitFailureThreshold() + " and "
                    + pool.circuitOpenDuration() + ")");
        }
        return new HttpClientOptions()
                .setConnectTimeout(2000)
                .setKeepAlive(true)
                .setMaxPoolSize(pool.maxConnections())
                .setMaxWaitQueueSize(-1)
                .setTryUseCompression(false);
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
