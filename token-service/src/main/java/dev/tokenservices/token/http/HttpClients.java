package dev.tokenservices.token.http;

import dev.tokenservices.token.config.TokenServiceConfig;
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
 * The outbound HTTP client for scope authorities and trusted issuers. Connections are pooled per
 * host ({@code ts.authorities.max-connections}, with {@code ts.authorities.max-waiting} calls queued),
 * so a slow authority exhausts only its own pool, never another's. Scope authorities, the hot
 * path, are called through the plain Vert.x client; issuer discovery and JWKS fetches through a
 * {@link WebClient} over the same pool.
 */
@ApplicationScoped
public class HttpClients {

    private HttpClient client;

    @Produces
    @Singleton
    HttpClient httpClient(Vertx vertx, TokenServiceConfig config) {
        TokenServiceConfig.Authorities pool = config.authorities();
        if (pool.maxConnections() < 1 || pool.maxWaiting() < 0) {
            throw new IllegalStateException("ts.authorities.max-connections must be at least 1 and ts.authorities.max-waiting"
                    + " at least 0 (got " + pool.maxConnections() + " and " + pool.maxWaiting() + ")");
        }
        client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(2000)
                .setKeepAlive(true)
                .setMaxPoolSize(pool.maxConnections())
                .setMaxWaitQueueSize(pool.maxWaiting())
                .setTryUseCompression(false));
        return client;
    }

    @Produces
    @Singleton
    WebClient webClient(HttpClient http) {
        return WebClient.newInstance(io.vertx.ext.web.client.WebClient.wrap(http, new WebClientOptions()
                .setUserAgent("tokenservices")
                .setFollowRedirects(false)));
    }

    @PreDestroy
    void close() {
        if (client != null) {
            client.close();
        }
    }
}
