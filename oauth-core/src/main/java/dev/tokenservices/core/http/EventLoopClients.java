package dev.tokenservices.core.http;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One HTTP client per event loop. A Vert.x connection lives on the loop that opened it; a request
 * made on another loop has its write and its answer handed over between threads, which costs CPU
 * and, under load, latency. With a client per loop, every connection a loop uses was opened by that
 * loop, so a call never leaves the thread of the request that made it. Calls from other threads
 * (tests, start-up) share one more client.
 */
public final class EventLoopClients {

    private final Vertx vertx;
    private final HttpClientOptions options;
    private final HttpClient shared;
    private final ConcurrentMap<Thread, HttpClient> byLoop = new ConcurrentHashMap<>();

    public EventLoopClients(Vertx vertx, HttpClientOptions options) {
        this.vertx = vertx;
        this.options = new HttpClientOptions(options);
        this.shared = vertx.createHttpClient(this.options);
    }

    public Vertx vertx() {
        return vertx;
    }

    /** The client of the calling thread's event loop, or the shared one off the event loops. */
    public HttpClient current() {
        if (!Context.isOnEventLoopThread()) {
            return shared;
        }
        Thread loop = Thread.currentThread();
        HttpClient client = byLoop.get(loop);
        return client != null ? client : byLoop.computeIfAbsent(loop, t -> vertx.createHttpClient(options));
    }

    public void close() {
        for (HttpClient client : List.copyOf(byLoop.values())) {
            client.close();
        }
        shared.close();
    }
}
