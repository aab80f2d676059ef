package dev.tokenservices.token.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tokenservices.core.http.EventLoopClients;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each event loop gets its own client (so its connections are opened on that loop); other threads share one. */
class EventLoopClientsTest {

    private static Vertx vertx;
    private static EventLoopClients clients;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        clients = new EventLoopClients(vertx, new HttpClientOptions().setMaxPoolSize(4));
    }

    @AfterAll
    static void stop() throws Exception {
        clients.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void oneClientPerEventLoopAndOneSharedOffTheLoops() throws Exception {
        List<Context> loops = eventLoopContexts(2);
        Context first = loops.get(0);
        Context second = loops.get(1);
        HttpClient onFirst = on(first, clients::current);
        HttpClient onSecond = on(second, clients::current);

        assertNotSame(onFirst, onSecond);
        assertSame(onFirst, on(first, clients::current), "the same loop keeps its client");
        assertNotSame(onFirst, clients.current(), "a thread that is no event loop gets the shared client");
        assertNotSame(onSecond, clients.current());
        assertSame(clients.current(), clients.current());
    }

    /** Contexts on distinct event loops: verticle instances take the loops in turn. */
    private static List<Context> eventLoopContexts(int count) throws Exception {
        List<Context> contexts = new CopyOnWriteArrayList<>();
        vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start() {
                contexts.add(context);
            }
        }, new DeploymentOptions().setInstances(count)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(count, contexts.stream().map(c -> on(c, () -> Thread.currentThread())).distinct().count());
        return contexts;
    }

    private static <T> T on(Context context, Supplier<T> what) {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> result.complete(what.get()));
        return result.orTimeout(10, TimeUnit.SECONDS).join();
    }
}
