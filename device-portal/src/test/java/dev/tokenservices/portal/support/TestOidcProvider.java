package dev.tokenservices.portal.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * A small OpenID provider for the portal's tests (authorization code + PKCE, RS256 id_tokens), in
 * place of the orchestrator. No login page: {@code /authorize} signs in the account named by the
 * test-only parameter {@code test_user} (default {@code ann}) and redirects back at once.
 *
 * <p>It checks what a real provider checks of the portal: client id and secret (Basic), the
 * registered redirect URI's path, PKCE S256, one-time codes; and it echoes the nonce. Its
 * {@code /logout} (RP-initiated logout) remembers the last request and redirects to the
 * {@code post_logout_redirect_uri} with the {@code state}.
 */
public class TestOidcProvider implements QuarkusTestResourceLifecycleManager {

    public static final String CLIENT_ID = "device-portal";
    public static final String CLIENT_SECRET = "test-portal-secret-0123456789abcdef";
    /** An issuer the bob account's id_token names in its idp claim (as the orchestrator does). */
    public static final String UPSTREAM_IDP = "https://upstream-idp.example";

    private HttpServer server;
    private String issuer;
    private RsaJsonWebKey key;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    /** The query of the last /logout request (RP-initiated logout), for the tests to look at. */
    public static volatile Map<String, String> lastLogout = Map.of();
    /** Every id_token handed out, for the tests to compare an id_token_hint with. */
    public static final java.util.Set<String> ISSUED_ID_TOKENS = ConcurrentHashMap.newKeySet();

    private record Grant(String user, String nonce, String redirectUri, String codeChallenge) {
    }

    @Override
    public Map<String, String> start() {
        try {
            key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId("test-" + UUID.randomUUID());
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException | JoseException e) {
            throw new IllegalStateException(e);
        }
        issuer = "http://localhost:" + server.getAddress().getPort();
        server.createContext("/.well-known/openid-configuration", this::discovery);
        server.createContext("/jwks", ex -> send(ex, 200, "application/json", "{\"keys\":[" + key.toJson() + "]}"));
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.createContext("/logout", this::logout);
        server.start();
        return Map.of("quarkus.oidc.auth-server-url", issuer);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void discovery(HttpExchange ex) throws IOException {
        send(ex, 200, "application/json", """
                {"issuer":"%1$s","authorization_endpoint":"%1$s/authorize","token_endpoint":"%1$s/token",
                 "jwks_uri":"%1$s/jwks","end_session_endpoint":"%1$s/logout","response_types_supported":["code"],"subject_types_supported":["public"],
                 "id_token_signing_alg_values_supported":["RS256"],"code_challenge_methods_supported":["S256"],
                 "token_endpoint_auth_methods_supported":["client_secret_basic"]}""".formatted(issuer));
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = parse(ex.getRequestURI().getRawQuery());
        String redirectUri = q.get("redirect_uri");
        if (!CLIENT_ID.equals(q.get("client_id")) || redirectUri == null || !redirectUri.endsWith("/callback")
                || !"code".equals(q.get("response_type")) || !"S256".equals(q.get("code_challenge_method"))
                || q.get("code_challenge") == null || !String.valueOf(q.get("scope")).contains("openid")) {
            send(ex, 400, "text/plain", "bad authorization request");
            return;
        }
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(q.getOrDefault("test_user", "ann"), q.get("nonce"), redirectUri, q.get("code_challenge")));
        String location = redirectUri + "?code=" + code + "&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Location", location);
        send(ex, 302, "text/plain", "");
    }

    private void logout(HttpExchange ex) throws IOException {
        Map<String, String> q = parse(ex.getRequestURI().getRawQuery());
        lastLogout = Map.copyOf(q);
        String back = q.get("post_logout_redirect_uri");
        if (back == null) {
            send(ex, 200, "text/plain", "signed out");
            return;
        }
        ex.getResponseHeaders().set("Location", back + (q.containsKey("state")
                ? "?state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8) : ""));
        send(ex, 302, "text/plain", "");
    }

    private void token(HttpExchange ex) throws IOException {
        String basic = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        Map<String, String> form = parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, "application/json", "{\"error\":\"invalid_client\"}");
            return;
        }
        Grant grant = codes.remove(String.valueOf(form.get("code")));
        if (grant == null || !"authorization_code".equals(form.get("grant_type")) || !grant.redirectUri().equals(form.get("redirect_uri"))
                || !grant.codeChallenge().equals(s256(String.valueOf(form.get("code_verifier"))))) {
            send(ex, 400, "application/json", "{\"error\":\"invalid_grant\"}");
            return;
        }
        try {
            send(ex, 200, "application/json", "{\"access_token\":\"" + UUID.randomUUID() + "\",\"token_type\":\"Bearer\","
                    + "\"expires_in\":300,\"id_token\":\"" + idToken(grant) + "\"}");
        } catch (JoseException e) {
            send(ex, 500, "text/plain", e.toString());
        }
    }

    private String idToken(Grant grant) throws JoseException {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setAudience(CLIENT_ID);
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(5);
        if (grant.nonce() != null) {
            claims.setClaim("nonce", grant.nonce());
        }
        if ("bob".equals(grant.user())) {
            claims.setSubject("bob-002");
            claims.setClaim("idp", UPSTREAM_IDP);
            claims.setClaim("name", "Bob <b>Builder</b>");
            claims.setClaim("preferred_username", "bob");
        } else {
            claims.setSubject("ann-001");
            claims.setClaim("email", "ann@example.com");
            claims.setClaim("email_verified", true);
            claims.setClaim("name", "Ann Example");
            claims.setClaim("given_name", "Ann");
            claims.setClaim("family_name", "Example");
            claims.setClaim("groups", java.util.List.of("staff"));
        }
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        String token = jws.getCompactSerialization();
        ISSUED_ID_TOKENS.add(token);
        return token;
    }

    private static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parse(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(name, value);
        }
        return out;
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
