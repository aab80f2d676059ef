package dev.tokenservices.orchestrator.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the token service over real HTTP: token exchange answers an access token whose
 * {@code aud} lists both test resources, exchanges per resource, refresh with rotation, revocation
 * recorded. {@link #mode} switches it to "nothing granted" or "down".
 */
public final class FakeTokenService implements AutoCloseable {

    public static final String INVOICES = "https://api.example/invoices";
    public static final String MEDIA = "https://api.example/media";

    public enum Mode { NORMAL, NOTHING_GRANTED, DOWN }

    public volatile Mode mode = Mode.NORMAL;
    public final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    public final List<String> revoked = new CopyOnWriteArrayList<>();
    private final AtomicInteger counter = new AtomicInteger();
    private final HttpServer server;

    public FakeTokenService() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/token", this::token);
        server.createContext("/revoke", ex -> {
            revoked.add(Forms.parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).get("token"));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> form = Forms.parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        form.put("authorization", ex.getRequestHeaders().getFirst("Authorization"));
        requests.add(form);
        if (mode == Mode.DOWN) {
            FakeUpstream.respond(ex, 503, "{\"error\":\"temporarily_unavailable\"}");
            return;
        }
        if (mode == Mode.NOTHING_GRANTED) {
            FakeUpstream.respond(ex, 400, "{\"error\":\"invalid_scope\",\"error_description\":\"nothing granted\"}");
            return;
        }
        int n = counter.incrementAndGet();
        if ("refresh_token".equals(form.get("grant_type"))) {
            if (revoked.contains(form.get("refresh_token"))) {
                FakeUpstream.respond(ex, 400, "{\"error\":\"invalid_grant\"}");
                return;
            }
            FakeUpstream.respond(ex, 200, "{\"access_token\":\"" + jwt("[\"" + INVOICES + "\",\"" + MEDIA + "\"]", "invoices.read media.play", n)
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"scope\":\"invoices.read media.play\",\"refresh_token\":\"ts-rt-" + n + "\"}");
            return;
        }
        if ("urn:ietf:params:oauth:token-type:access_token".equals(form.get("subject_token_type"))) {
            String resource = form.get("resource");
            FakeUpstream.respond(ex, 200, "{\"access_token\":\"" + jwt("\"" + resource + "\"", form.get("scope"), n)
                    + "\",\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":200,\"scope\":\""
                    + form.get("scope") + "\"}");
            return;
        }
        FakeUpstream.respond(ex, 200, "{\"access_token\":\"" + jwt("[\"" + INVOICES + "\",\"" + MEDIA + "\"]", form.get("scope"), n)
                + "\",\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":300,\"scope\":\""
                + form.get("scope") + "\",\"refresh_token\":\"ts-rt-" + n + "\"}");
    }

    private static String jwt(String audJson, String scope, int n) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"aud\":" + audJson + ",\"scope\":\"" + scope + "\",\"jti\":\"j" + n + "\"}").getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + ".c2ln";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
