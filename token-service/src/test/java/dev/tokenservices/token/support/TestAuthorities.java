package dev.tokenservices.token.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scope authorities as real HTTP servers, one path per behaviour: accept, modify (keeps *.read and
 * adds a claim), reject, slow (300 ms, then accept), fail (500), garbage, widen (tries to grant
 * more than asked), flaky (500, for the circuit breaker), huge and huge-chunked (100 KB answers, with
 * and without Content-Length), gate (accepts once the test opens {@link #gate}, to hold a request in
 * flight for as long as a test needs), and interaction_required answers: ask (grants *.read, asks a
 * subscription for the rest, until the test adds the subject to {@link #subscribed}), ask-all (grants
 * nothing now), and malformed ones: ask-http (http URL off loopback), ask-nourl, ask-types (reason a
 * number), ask-huge (a 600-character message). Records what each path received.
 */
public final class TestAuthorities implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    public final Map<String, List<JsonNode>> received = new ConcurrentHashMap<>();
    public final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    /** What the gate path waits for before it answers (at most 10 s); open unless a test closes it. */
    public volatile CountDownLatch gate = new CountDownLatch(0);
    /** Subjects the ask path accepts outright (they have "subscribed"). */
    public final java.util.Set<String> subscribed = ConcurrentHashMap.newKeySet();
    public static final String SUBSCRIBE_URL = "https://media.example/subscribe?plan=plus";
    public static final String SUBSCRIBE_MESSAGE = "Media Plus is needed to play videos.";

    public TestAuthorities() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        server.setExecutor(Executors.newFixedThreadPool(32));
        for (String path : List.of("accept", "modify", "reject", "slow", "fail", "garbage", "widen", "flaky", "huge", "huge-chunked", "gate",
                "ask", "ask-all", "ask-http", "ask-nourl", "ask-types", "ask-huge")) {
            received.put(path, new CopyOnWriteArrayList<>());
            calls.put(path, new AtomicInteger());
            server.createContext("/" + path, exchange -> {
                JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
                received.get(path).add(body);
                calls.get(path).incrementAndGet();
                List<String> requested = new ArrayList<>();
                body.path("requested_scopes").forEach(s -> requested.add(s.asText()));
                switch (path) {
                    case "accept" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"accept\"}");
                    case "modify" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"modify\",\"scopes\":"
                            + JSON.writeValueAsString(requested.stream().filter(s -> s.endsWith(".read")).toList())
                            + ",\"claims\":{\"plan\":\"gold\"}}");
                    case "reject" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"reject\"}");
                    case "slow" -> {
                        sleep(300);
                        TestIssuer.respond(exchange, 200, "{\"decision\":\"accept\"}");
                    }
                    case "gate" -> {
                        await(gate);
                        TestIssuer.respond(exchange, 200, "{\"decision\":\"accept\"}");
                    }
                    case "ask" -> TestIssuer.respond(exchange, 200, subscribed.contains(body.path("subject").asText())
                            ? "{\"decision\":\"accept\"}"
                            : "{\"decision\":\"interaction_required\",\"scopes\":"
                                    + JSON.writeValueAsString(requested.stream().filter(s -> s.endsWith(".read")).toList())
                                    + ",\"interaction\":" + interaction(SUBSCRIBE_URL, "\"subscription_required\"", SUBSCRIBE_MESSAGE) + "}");
                    case "ask-all" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"interaction_required\",\"interaction\":"
                            + interaction("http://localhost:9/terms", "\"terms_not_accepted\"", "Accept the new terms first.") + "}");
                    case "ask-http" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"interaction_required\",\"interaction\":"
                            + interaction("http://media.example/subscribe", "\"subscription_required\"", "Subscribe.") + "}");
                    case "ask-nourl" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"interaction_required\","
                            + "\"interaction\":{\"reason\":\"subscription_required\",\"message\":\"Subscribe.\"}}");
                    case "ask-types" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"interaction_required\",\"interaction\":"
                            + interaction(SUBSCRIBE_URL, "42", "Subscribe.") + "}");
                    case "ask-huge" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"interaction_required\",\"interaction\":"
                            + interaction(SUBSCRIBE_URL, "\"subscription_required\"", "m".repeat(600)) + "}");
                    case "garbage" -> TestIssuer.respond(exchange, 200, "<html>not json</html>");
                    case "widen" -> TestIssuer.respond(exchange, 200,
                            "{\"decision\":\"modify\",\"scopes\":[\"wid.read\",\"wid.write\",\"admin\"]}");
                    case "huge" -> TestIssuer.respond(exchange, 200, "{\"decision\":\"accept\",\"claims\":{\"x\":\""
                            + "x".repeat(100_000) + "\"}}");
                    case "huge-chunked" -> {
                        exchange.getResponseHeaders().set("Content-Type", "application/json");
                        exchange.sendResponseHeaders(200, 0); // 0: chunked, no Content-Length
                        try (var out = exchange.getResponseBody()) {
                            out.write("{\"decision\":\"accept\",\"claims\":{\"x\":\"".getBytes(StandardCharsets.UTF_8));
                            for (int i = 0; i < 100; i++) {
                                out.write("x".repeat(1000).getBytes(StandardCharsets.UTF_8));
                            }
                            out.write("\"}}".getBytes(StandardCharsets.UTF_8));
                        }
                    }
                    default -> TestIssuer.respond(exchange, 500, "{\"error\":\"boom\"}");
                }
            });
        }
        server.start();
    }

    /** An interaction object; {@code reason} is raw JSON (so a test can send a wrong type). */
    private static String interaction(String url, String reason, String message) throws IOException {
        return "{\"url\":" + JSON.writeValueAsString(url) + ",\"reason\":" + reason + ",\"message\":"
                + JSON.writeValueAsString(message) + "}";
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String bodyOf(String path) {
        List<JsonNode> bodies = received.get(path);
        return bodies.isEmpty() ? null : bodies.get(bodies.size() - 1).toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
