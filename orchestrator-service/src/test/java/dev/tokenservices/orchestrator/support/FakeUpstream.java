package dev.tokenservices.orchestrator.support;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A small upstream OpenID provider over real HTTP: discovery, JWKS, and a token endpoint that
 * redeems codes handed out by {@link #code} (checking the PKCE verifier and client secret) with an
 * ES256 id_token carrying the nonce the orchestrator sent; an end_session_endpoint (RP-Initiated
 * Logout 1.0) that records what it got and sends the browser to its post_logout_redirect_uri.
 */
public final class FakeUpstream implements AutoCloseable {

    public static final String CLIENT_ID = "orch-upstream";
    public static final String CLIENT_SECRET = "orch-upstream-secret-0123456789abcdefgh";

    private final HttpServer server;
    private final ECKey key;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    /** The query of every request to the end_session_endpoint. */
    public final List<Map<String, String>> endSessions = new CopyOnWriteArrayList<>();

    /**
     * @param authTime the id_token's auth_time; null: none
     * @param lifetime how long the id_token lives, in seconds
     */
    record Grant(String sub, String nonce, String challenge, String audience, Long authTime, long lifetime) {
    }

    public FakeUpstream() throws Exception {
        key = new ECKeyGenerator(Curve.P_256).keyID("up-1").algorithm(JWSAlgorithm.ES256).generate();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/.well-known/openid-configuration", ex -> respond(ex, 200, "{\"issuer\":\"" + issuer()
                + "\",\"authorization_endpoint\":\"" + issuer() + "/auth\",\"token_endpoint\":\"" + issuer() + "/token\""
                + ",\"jwks_uri\":\"" + issuer() + "/jwks\",\"end_session_endpoint\":\"" + issuer() + "/logout\",\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"]"
                + ",\"id_token_signing_alg_values_supported\":[\"ES256\"],\"code_challenge_methods_supported\":[\"S256\"]}"));
        server.createContext("/jwks", ex -> respond(ex, 200, new JWKSet(key.toPublicJWK()).toString()));
        server.createContext("/token", this::token);
        server.createContext("/logout", this::endSession);
        server.start();
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A code the orchestrator can redeem, for the login its authorization request started. */
    public String code(String sub, String nonce, String challenge) {
        return code(sub, nonce, challenge, CLIENT_ID);
    }

    public String code(String sub, String nonce, String challenge, String audience) {
        return code(new Grant(sub, nonce, challenge, audience, System.currentTimeMillis() / 1000, 300));
    }

    /** A code whose id_token expires {@code seconds} from now. */
    public String codeExpiringIn(String sub, String nonce, String challenge, long seconds) {
        return code(new Grant(sub, nonce, challenge, CLIENT_ID, System.currentTimeMillis() / 1000, seconds));
    }

    /** A code whose id_token says the user authenticated at {@code authTime} (epoch seconds; null: no auth_time). */
    public String codeAuthenticatedAt(String sub, String nonce, String challenge, Long authTime) {
        return code(new Grant(sub, nonce, challenge, CLIENT_ID, authTime, 300));
    }

    private String code(Grant grant) {
        String code = UUID.randomUUID().toString();
        codes.put(code, grant);
        return code;
    }

    private void endSession(HttpExchange ex) throws IOException {
        Map<String, String> query = Forms.parse(ex.getRequestURI().getRawQuery());
        endSessions.add(query);
        String back = query.get("post_logout_redirect_uri");
        if (back == null) {
            respond(ex, 200, "{\"signed_out\":true}");
            return;
        }
        String state = query.get("state");
        ex.getResponseHeaders().add("Location", state == null ? back
                : back + "?state=" + java.net.URLEncoder.encode(state, StandardCharsets.UTF_8));
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void token(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = Forms.parse(body);
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(auth)) {
            respond(ex, 401, "{\"error\":\"invalid_client\"}");
            return;
        }
        Grant grant = codes.remove(form.get("code"));
        if (grant == null || form.get("code_verifier") == null
                || !grant.challenge().equals(Forms.s256(form.get("code_verifier")))) {
            respond(ex, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        respond(ex, 200, "{\"access_token\":\"up-at\",\"token_type\":\"Bearer\",\"expires_in\":60,\"id_token\":\""
                + idToken(grant) + "\"}");
    }

    private String idToken(Grant grant) {
        long now = System.currentTimeMillis();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer()).subject(grant.sub()).audience(grant.audience())
                .issueTime(new Date(now)).expirationTime(new Date(now + grant.lifetime() * 1000)).claim("nonce", grant.nonce())
                .claim("auth_time", grant.authTime()).claim("acr", "urn:test:pwd").claim("amr", java.util.List.of("pwd"))
                .claim("email", grant.sub() + "@example.com").claim("email_verified", true).claim("name", "Test " + grant.sub())
                .claim("groups", java.util.List.of("staff")).build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
