package dev.tokenservices.token.authority;

import static dev.tokenservices.token.support.Fixtures.EXCHANGER;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.tokenservices.core.authority.AuthorityCalls;
import dev.tokenservices.core.authority.AuthorityRequest;
import dev.tokenservices.shared.registry.GrantTypes;
import dev.tokenservices.shared.registry.ResourceEntry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scope authority of one test's own making: a JDK HTTP server on loopback, a thread per request (so a
 * handler may sleep or never answer), counting the requests it received; and the calls made to it in one
 * go from one event loop, each with how long it took.
 */
final class LoopbackAuthority implements AutoCloseable {

    /** A call's result and how long its caller waited for it. */
    record Asked(AuthorityCalls.Result result, long elapsedMs) {
    }

    final AtomicInteger received = new AtomicInteger();
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();

    LoopbackAuthority(HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(handlers);
        server.createContext("/", exchange -> {
            received.incrementAndGet();
            handler.handle(exchange);
        });
        server.start();
    }

    /** A resource with one scope, {@code <last segment of name>.read}, whose authority is this server. */
    ResourceEntry resource(String name, int timeoutMs) {
        return new ResourceEntry(name, List.of(scope(name)), new ResourceEntry.Authority(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/decide", timeoutMs, ResourceEntry.OnFailure.DROP));
    }

    /** {@code n} calls for the resource's scope made in one go on one event loop; their outcomes, each within 10 s. */
    static List<Asked> askAtOnce(Vertx vertx, AuthorityCalls calls, ResourceEntry resource, int n) throws Exception {
        AuthorityRequest request = AuthorityRequest.of(EXCHANGER, GrantTypes.TOKEN_EXCHANGE, "ann-001", "https://issuer.example",
                Map.of());
        List<CompletableFuture<Asked>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(new CompletableFuture<>());
        }
        vertx.getOrCreateContext().runOnContext(ignored -> {
            for (CompletableFuture<Asked> future : futures) {
                long start = System.nanoTime();
                calls.ask(resource, resource.scopes(), request).subscribe().with(
                        result -> future.complete(new Asked(result, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))),
                        future::completeExceptionally);
            }
        });
        List<Asked> outcomes = new ArrayList<>();
        for (CompletableFuture<Asked> future : futures) {
            outcomes.add(future.get(10, TimeUnit.SECONDS));
        }
        return outcomes;
    }

    private static String scope(String name) {
        return name.substring(name.lastIndexOf('/') + 1) + ".read";
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }
}
