package dev.tokenservices.token.http;

import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The outbound HTTP client for scope authorities and trusted issuers. Connections are pooled per
 * host, so a slow authority exhausts only its own pool, never another's.
 */
@ApplicationScoped
public class HttpClients {

    private WebClient client;

    @Produces
    @Singleton
    WebClient webClient(Vertx vertx) {
        client = WebClient.create(vertx, new WebClientOptions()
                .setUserAgent("tokenservices")
                .setFollowRedirects(false)
                .setConnectTimeout(2000)
                .setKeepAlive(true)
                .setMaxPoolSize(64)
                .setMaxWaitQueueSize(256)
                .setTryUseCompression(false));
        return client;
    }

    @PreDestroy
    void close() {
        if (client != null) {
            client.close();
        }
    }
}
