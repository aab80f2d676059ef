package dev.tokenservices.portal.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real scope authority for the media API of the portal's tests, with the API's own subscription
 * page: until a user has subscribed it answers {@code interaction_required} for {@code media.play}
 * (granting the other requested scopes), pointing at {@code /subscribe?user=<sub>} on this server;
 * that page records the subscription and sends the browser to {@code return_to?ticket=…}, as an API's
 * page does. Once subscribed, it accepts. The registry it writes (the portal's test registry plus
 * authorities) also gives the profile API an authority that is down ({@code on_failure: drop}) and the
 * invoices API one that is down under {@code on_failure: deny}.
 */
public class TestAuthority implements QuarkusTestResourceLifecycleManager {

    public static final String MEDIA = "https://api.example/media";
    /** The message, with characters a page must escape. */
    public static final String MESSAGE = "Media <b>Plus</b> & \"more\" is needed to play videos.";
    public static final String REASON = "subscription_required";

    /** The users (sub) who subscribed on the page. */
    public static final Set<String> SUBSCRIBED = ConcurrentHashMap.newKeySet();
    /** Every scope-decision request received, as parsed JSON. */
    public static final List<JsonNode> CALLS = new CopyOnWriteArrayList<>();
    /** The portal's public URL in these tests (return_to is made from it). */
    public static final String PORTAL_URL = "http://localhost:8083";
    /** This server's base URL, once started. */
    public static volatile String base;

    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            base = "http://127.0.0.1:" + server.getAddress().getPort();
            server.createContext("/scope-decision", this::decide);
            server.createContext("/subscribe", this::subscribe);
            server.start();
            Path registry = Files.createTempFile("portal-interaction-registry", ".yaml");
            registry.toFile().deleteOnExit();
            Files.writeString(registry, """
                    clients:
                      - client_id: tv-app
                        client_name: "Living-room TV"
                        token_endpoint_auth_method: none
                        grant_types: ["urn:ietf:params:oauth:grant-type:device_code", refresh_token]
                        scope: "media.play profile.read"
                      - client_id: invoice-box
                        client_name: "Invoice printer"
                        token_endpoint_auth_method: none
                        grant_types: ["urn:ietf:params:oauth:grant-type:device_code"]
                        scope: "invoices.read media.play"
                      - client_id: device-portal
                        client_secret: test-portal-secret-0123456789abcdef
                        redirect_uris: ["http://localhost:8083/callback"]
                        grant_types: [authorization_code]
                        scope: "openid profile email"
                    resources:
                      - resource: %1$s
                        scopes: [media.play]
                        authority:
                          url: %2$s/scope-decision
                          timeout_ms: 2000
                          on_failure: drop
                      - resource: https://api.example/profile
                        scopes: [profile.read]
                        authority:
                          url: http://127.0.0.1:9/scope-decision
                          timeout_ms: 500
                          on_failure: drop
                      - resource: https://api.example/invoices
                        scopes: [invoices.read]
                        authority:
                          url: http://127.0.0.1:9/scope-decision
                          timeout_ms: 500
                          on_failure: deny
                    """.formatted(MEDIA, base));
            return Map.of("portal.registry", registry.toString(), "portal.url", PORTAL_URL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void decide(HttpExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
        CALLS.add(body);
        String subject = body.path("subject").asText();
        List<String> rest = new java.util.ArrayList<>();
        body.path("requested_scopes").forEach(scope -> {
            if (!scope.asText().equals("media.play")) {
                rest.add(scope.asText());
            }
        });
        Map<String, Object> answer = new LinkedHashMap<>();
        if (SUBSCRIBED.contains(subject)) {
            answer.put("decision", "accept");
        } else {
            answer.put("decision", "interaction_required");
            answer.put("scopes", rest);
            answer.put("interaction", Map.of(
                    "url", base + "/subscribe?user=" + URLEncoder.encode(subject, StandardCharsets.UTF_8),
                    "reason", REASON,
                    "message", MESSAGE));
        }
        send(ex, 200, "application/json", JSON.writeValueAsString(answer), null);
    }

    /** The API's page: one click (here: the GET itself) subscribes, and the browser goes back with the ticket. */
    private void subscribe(HttpExchange ex) throws IOException {
        Map<String, String> q = new LinkedHashMap<>();
        for (String pair : String.valueOf(ex.getRequestURI().getRawQuery()).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (q.get("user") == null || q.get("ticket") == null || q.get("return_to") == null) {
            send(ex, 400, "text/plain", "missing user, ticket or return_to", null);
            return;
        }
        SUBSCRIBED.add(q.get("user"));
        String back = q.get("return_to") + (q.get("return_to").contains("?") ? "&" : "?") + "ticket="
                + URLEncoder.encode(q.get("ticket"), StandardCharsets.UTF_8);
        send(ex, 303, "text/plain", "", back);
    }

    private static void send(HttpExchange ex, int status, String type, String body, String location) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if (location != null) {
            ex.getResponseHeaders().set("Location", location);
        }
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
