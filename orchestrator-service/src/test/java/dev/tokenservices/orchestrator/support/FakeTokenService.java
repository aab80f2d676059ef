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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for the token service over real HTTP: token exchange of an id_token for one
 * {@code resource} answers an access token whose only {@code aud} is that resource, and a refresh
 * token that renews it (rotated on use; a used or revoked one is {@code invalid_grant}); revocations
 * are recorded. {@link #mode} switches it to "nothing granted" or "down"; {@link #asks} makes a
 * resource's authority wait for an interaction (ARCHITECTURE "What comes next") until
 * {@link #interactionDone} says the user did it: the answer then grants only the scopes granted now
 * and carries {@code interaction_required}, or is {@code 400 invalid_scope} with it when nothing is
 * granted, at exchanges and refreshes alike; {@link #holdRefreshes}
 * keeps refreshes waiting, as a slow scope authority would. Token values carry a per-instance random
 * part, so that a test scanning Redis never mistakes another test run's values for its own.
 *
 * <p>DPoP (RFC 9449), as the token service does it: an exchange with {@code dpop_jkt} answers a token
 * with {@code cnf.jkt} and {@code token_type: DPoP}; an exchange of one of its access tokens
 * ({@code subject_token_type} access_token) answers another access token for the same audience, bound
 * with {@code dpop_jkt}, and no refresh token; a refresh binds nothing (the orchestrator cannot sign
 * its client's proof). With {@link #binds} off it ignores {@code dpop_jkt} everywhere.
 */
public final class FakeTokenService implements AutoCloseable {

    public static final String INVOICES = "https://api.example/invoices";
    public static final String MEDIA = "https://api.example/media";

    public enum Mode { NORMAL, NOTHING_GRANTED, DOWN }

    public volatile Mode mode = Mode.NORMAL;
    /** Whether {@code dpop_jkt} binds the tokens of an exchange. */
    public volatile boolean binds = true;

    /**
     * An authority's {@code interaction_required} answer.
     *
     * @param grantedNow the requested scopes granted before the interaction (the answer's {@code scopes})
     */
    public record Ask(String url, String reason, String message, List<String> grantedNow) {
    }

    /** Per resource, what its authority asks the user for; cleared by tests when done. */
    public final Map<String, Ask> asks = new ConcurrentHashMap<>();
    private final Set<String> interactionsDone = ConcurrentHashMap.newKeySet();
    public final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    public final List<String> revoked = new CopyOnWriteArrayList<>();
    /** Every access and refresh token handed out, for tests that look for them where they must not be. */
    public final List<String> issued = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> refreshTokensBySubject = new ConcurrentHashMap<>();
    private final Map<String, String> successors = new ConcurrentHashMap<>();
    private final Set<String> usedRefreshTokens = ConcurrentHashMap.newKeySet();
    private final Map<String, String[]> refreshGrants = new ConcurrentHashMap<>();
    private final AtomicInteger counter = new AtomicInteger();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final HttpServer server;
    private volatile CountDownLatch refreshGate;
    private volatile CountDownLatch refreshArrived;

    public FakeTokenService() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(Executors.newFixedThreadPool(16));
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

    /** From now on, refreshes wait until {@link #releaseRefreshes}; {@link #awaitHeldRefresh} tells when one waits. */
    public void holdRefreshes() {
        refreshArrived = new CountDownLatch(1);
        refreshGate = new CountDownLatch(1);
    }

    public boolean awaitHeldRefresh(long seconds) throws InterruptedException {
        return refreshArrived.await(seconds, TimeUnit.SECONDS);
    }

    public void releaseRefreshes() {
        CountDownLatch gate = refreshGate;
        refreshGate = null;
        if (gate != null) {
            gate.countDown();
        }
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
        if ("refresh_token".equals(form.get("grant_type"))) {
            refresh(ex, form.get("refresh_token"), form.get("scope"));
            return;
        }
        String jkt = binds ? form.get("dpop_jkt") : null;
        if ("urn:ietf:params:oauth:token-type:access_token".equals(form.get("subject_token_type"))) {
            rebind(ex, form.get("subject_token"), form.get("resource"), form.get("scope"), jkt);
            return;
        }
        String subject = subjectOf(form.get("subject_token"));
        String refreshToken = grant(ex, form.get("resource"), form.get("scope"), form.get("scope"), subject, jkt);
        if (refreshToken != null) {
            refreshTokensBySubject.computeIfAbsent(form.get("subject_token"), s -> new CopyOnWriteArrayList<>()).add(refreshToken);
        }
    }

    /** The user {@code subject} did what {@code resource}'s authority asked: from now on it grants. */
    public void interactionDone(String subject, String resource) {
        interactionsDone.add(subject + " " + resource);
    }

    public void resetInteractions() {
        asks.clear();
        interactionsDone.clear();
    }

    private static String subjectOf(String idToken) {
        try {
            String payload = new String(Base64.getUrlDecoder().decode(idToken.split("\\.")[1]), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("\"sub\"\\s*:\\s*\"([^\"]*)\"").matcher(payload);
            return m.find() ? m.group(1) : "";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The refresh tokens handed out by exchanging {@code subjectToken} (not those of later refreshes). */
    public List<String> refreshTokensFor(String subjectToken) {
        return refreshTokensBySubject.getOrDefault(subjectToken, List.of());
    }

    /** {@code first} and every refresh token that replaced one of them since, rotation after rotation. */
    public List<String> refreshTokensSince(List<String> first) {
        List<String> all = new java.util.ArrayList<>();
        for (String token : first) {
            for (String t = token; t != null; t = successors.get(t)) {
                all.add(t);
            }
        }
        return all;
    }

    /** Whether a refresh token this service issued would still be accepted (neither used nor revoked). */
    public boolean usable(String refreshToken) {
        return refreshGrants.containsKey(refreshToken) && !usedRefreshTokens.contains(refreshToken) && !revoked.contains(refreshToken);
    }

    /** As the token service does: the refresh token is used up first, then the authorities are asked (the wait), then tokens. */
    private void refresh(HttpExchange ex, String refreshToken, String scope) throws IOException {
        String[] grant = refreshGrants.get(refreshToken);
        if (grant == null || revoked.contains(refreshToken) || !usedRefreshTokens.add(refreshToken)) {
            FakeUpstream.respond(ex, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        // as the token service: scope may only narrow, and the new refresh token keeps the original grant
        if (scope != null && !List.of(grant[1].split(" ")).containsAll(List.of(scope.split(" ")))) {
            FakeUpstream.respond(ex, 400, "{\"error\":\"invalid_scope\"}");
            return;
        }
        CountDownLatch gate = refreshGate;
        if (gate != null) {
            refreshArrived.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String successor = grant(ex, grant[0], grant[1], scope == null ? grant[1] : scope, grant[2], null);
        if (successor != null) {
            successors.put(refreshToken, successor);
        }
    }

    /** An access token of ours exchanged for one bound to {@code jkt} (its audience, narrower scope); a revoked one is refused. */
    private void rebind(HttpExchange ex, String accessToken, String resource, String scope, String jkt) throws IOException {
        if (!issued.contains(accessToken) || revoked.contains(accessToken)) {
            FakeUpstream.respond(ex, 400, "{\"error\":\"invalid_request\",\"error_description\":\"subject_token is not active\"}");
            return;
        }
        String accessTokenNow = jwt(resource, scope, counter.incrementAndGet(), jkt);
        issued.add(accessTokenNow);
        FakeUpstream.respond(ex, 200, "{\"access_token\":\"" + accessTokenNow
                + "\",\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\""
                + (jkt == null ? "Bearer" : "DPoP") + "\",\"expires_in\":300,\"scope\":\"" + scope + "\"}");
    }

    /**
     * @param granted the refresh token's grant; {@code scope} the access token's (narrower at a refresh with scope)
     * @param jkt     the DPoP key the access token is bound to, or null
     * @return the refresh token handed out, or null when nothing was granted
     */
    private String grant(HttpExchange ex, String resource, String granted, String scope, String subject, String jkt) throws IOException {
        Ask ask = asks.get(resource);
        String member = "";
        if (ask != null && !interactionsDone.contains(subject + " " + resource)) {
            member = ",\"interaction_required\":[{\"resource\":\"" + resource + "\",\"url\":\"" + ask.url() + "\",\"reason\":\""
                    + ask.reason() + "\",\"message\":\"" + ask.message() + "\"}]";
            List<String> now = List.of(scope.split(" ")).stream().filter(ask.grantedNow()::contains).toList();
            if (now.isEmpty()) {
                FakeUpstream.respond(ex, 400, "{\"error\":\"invalid_scope\",\"error_description\":\"waiting for an interaction\"" + member + "}");
                return null;
            }
            scope = String.join(" ", now);
        }
        int n = counter.incrementAndGet();
        String accessToken = jwt(resource, scope, n, jkt);
        String refreshToken = "ts-rt-" + run + "-" + n;
        refreshGrants.put(refreshToken, new String[] {resource, granted, subject});
        issued.add(accessToken);
        issued.add(refreshToken);
        FakeUpstream.respond(ex, 200, "{\"access_token\":\"" + accessToken
                + "\",\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\""
                + (jkt == null ? "Bearer" : "DPoP") + "\",\"expires_in\":300"
                + ",\"scope\":\"" + scope + "\",\"refresh_token\":\"" + refreshToken + "\"" + member + "}");
        return refreshToken;
    }

    private String jwt(String resource, String scope, int n, String jkt) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}".getBytes(StandardCharsets.UTF_8));
        String cnf = jkt == null ? "" : ",\"cnf\":{\"jkt\":\"" + jkt + "\"}";
        String claims = b64.encodeToString(("{\"aud\":\"" + resource + "\",\"scope\":\"" + scope + "\",\"jti\":\"" + run + "-" + n + "\""
                + cnf + "}").getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + ".c2ln";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
