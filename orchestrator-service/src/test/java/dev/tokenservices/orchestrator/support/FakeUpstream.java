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
    private volatile ECKey key;
    private final Options options;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    /** The query of every request to the end_session_endpoint. */
    public final List<Map<String, String>> endSessions = new CopyOnWriteArrayList<>();
    /** The claims of every client secret JWT the token endpoint verified (Sign in with Apple). */
    public final List<JWTClaimsSet> clientSecretJwts = new CopyOnWriteArrayList<>();
    /** How many times its JWKS was fetched. */
    public final java.util.concurrent.atomic.AtomicInteger jwksFetches = new java.util.concurrent.atomic.AtomicInteger();
    /** What the token endpoint answers instead, when set: an IdP that misbehaves. */
    public volatile TokenAnswer tokenAnswer;
    /** Set before the first discovery: the token endpoint takes only client_secret_post with the plain secret. */
    public volatile boolean secretPostOnly;

    /** A token endpoint's answer, sent after {@code delayMillis}; a null {@code contentType} sends none. */
    public record TokenAnswer(int status, String contentType, String body, long delayMillis) {
    }

    /**
     * @param authTime the id_token's auth_time; null: none
     * @param lifetime how long the id_token lives, in seconds
     */
    record Grant(String sub, String nonce, String challenge, String audience, Long authTime, long lifetime,
            Map<String, Object> claims, JOSEObjectType typ) {
    }

    /**
     * How this provider behaves, as the real ones do.
     *
     * @param path            the issuer's path (Okta's {@code /oauth2/default}, Keycloak's {@code /realms/x}); "" for none
     * @param templated       Entra ID multi-tenant: discovery (at {@code /organizations/v2.0}) names the issuer
     *                        {@code <base>/{tenantid}/v2.0}; a code's {@code tid} claim sets its token's {@code iss}
     * @param clientSecretKey when set, the token endpoint wants client_secret_post with a client secret JWT
     *                        signed by this key's private half (Sign in with Apple)
     */
    public record Options(String path, boolean templated, ECKey clientSecretKey) {
        public static final Options PLAIN = new Options("", false, null);
    }

    public FakeUpstream() throws Exception {
        this(Options.PLAIN);
    }

    public FakeUpstream(Options options) throws Exception {
        this.options = options;
        key = new ECKeyGenerator(Curve.P_256).keyID("up-1").algorithm(JWSAlgorithm.ES256).generate();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(4));
        String endpoints = base() + options.path();
        String discovery = options.templated() ? base() + "/organizations/v2.0" : endpoints;
        server.createContext(path(discovery) + "/.well-known/openid-configuration", ex -> respond(ex, 200, "{\"issuer\":\"" + issuer()
                + "\",\"authorization_endpoint\":\"" + endpoints + "/auth\",\"token_endpoint\":\"" + endpoints + "/token\""
                + ",\"jwks_uri\":\"" + endpoints + "/jwks\",\"end_session_endpoint\":\"" + endpoints + "/logout\",\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"]"
                + ",\"id_token_signing_alg_values_supported\":[\"ES256\"],\"code_challenge_methods_supported\":[\"S256\"]"
                + (options.clientSecretKey() != null ? ",\"token_endpoint_auth_methods_supported\":[\"client_secret_post\"],\"response_modes_supported\":[\"query\",\"form_post\"]"
                        : secretPostOnly ? ",\"token_endpoint_auth_methods_supported\":[\"client_secret_post\"]" : "")
                + "}"));
        server.createContext(path(endpoints) + "/jwks", ex -> {
            jwksFetches.incrementAndGet();
            respond(ex, 200, new JWKSet(key.toPublicJWK()).toString());
        });
        server.createContext(path(endpoints) + "/token", this::token);
        server.createContext(path(endpoints) + "/logout", this::endSession);
        server.start();
    }

    private static String path(String url) {
        return java.net.URI.create(url).getPath();
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The issuer as discovery names it (a templated one with {@code {tenantid}} in it). */
    public String issuer() {
        return options.templated() ? base() + "/{tenantid}/v2.0" : base() + options.path();
    }

    /** Where the authorization requests go. */
    public String authorizationEndpoint() {
        return base() + options.path() + "/auth";
    }

    /** A code the orchestrator can redeem, for the login its authorization request started. */
    public String code(String sub, String nonce, String challenge) {
        return code(sub, nonce, challenge, CLIENT_ID);
    }

    public String code(String sub, String nonce, String challenge, String audience) {
        return code(sub, nonce, challenge, audience, Map.of(), JOSEObjectType.JWT);
    }

    /** A code whose id_token expires {@code seconds} from now. */
    public String codeExpiringIn(String sub, String nonce, String challenge, long seconds) {
        return code(new Grant(sub, nonce, challenge, CLIENT_ID, System.currentTimeMillis() / 1000, seconds, Map.of(), JOSEObjectType.JWT));
    }

    /** A code whose id_token says the user authenticated at {@code authTime} (epoch seconds; null: no auth_time). */
    public String codeAuthenticatedAt(String sub, String nonce, String challenge, Long authTime) {
        return code(new Grant(sub, nonce, challenge, CLIENT_ID, authTime, 300, Map.of(), JOSEObjectType.JWT));
    }

    /**
     * A code whose id_token carries {@code claims} besides the usual ones (they win: {@code iss},
     * {@code hd}, {@code tid}, Keycloak's {@code typ}…) and the header {@code typ} (null: none).
     */
    public String code(String sub, String nonce, String challenge, String audience, Map<String, Object> claims, JOSEObjectType typ) {
        return code(new Grant(sub, nonce, challenge, audience, System.currentTimeMillis() / 1000, 300, claims, typ));
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

    /** Signs from now on with a new key (another kid), publishing only that one. */
    public void rotateKey() throws com.nimbusds.jose.JOSEException {
        key = new ECKeyGenerator(Curve.P_256).keyID("up-" + UUID.randomUUID()).algorithm(JWSAlgorithm.ES256).generate();
    }

    /** The base of its endpoints, for a test that asks it directly. */
    public String endpoints() {
        return base() + options.path();
    }

    private void token(HttpExchange ex) throws IOException {
        TokenAnswer answer = tokenAnswer;
        if (answer != null) {
            ex.getRequestBody().readAllBytes();
            try {
                Thread.sleep(answer.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            if (answer.contentType() != null) {
                ex.getResponseHeaders().add("Content-Type", answer.contentType());
            }
            try {
                ex.sendResponseHeaders(answer.status(), bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            } catch (IOException e) {
                // the orchestrator stopped listening (a timeout, an answer too large)
            }
            return;
        }
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = Forms.parse(body);
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        // one way to authenticate, never two (RFC 6749 §2.3)
        boolean authenticated = options.clientSecretKey() != null ? clientSecretJwtValid(form)
                : secretPostOnly ? auth == null && CLIENT_ID.equals(form.get("client_id")) && CLIENT_SECRET.equals(form.get("client_secret"))
                : expected.equals(auth) && !form.containsKey("client_secret");
        if (!authenticated) {
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

    /** Sign in with Apple's rules for the client secret: ES256 by the team's key, iss team, sub client_id, aud the issuer, exp within 6 months. */
    private boolean clientSecretJwtValid(Map<String, String> form) {
        try {
            SignedJWT jwt = SignedJWT.parse(form.get("client_secret"));
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            long now = System.currentTimeMillis();
            boolean valid = JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())
                    && options.clientSecretKey().getKeyID().equals(jwt.getHeader().getKeyID())
                    && jwt.verify(new com.nimbusds.jose.crypto.ECDSAVerifier(options.clientSecretKey().toECPublicKey()))
                    && CLIENT_ID.equals(form.get("client_id")) && CLIENT_ID.equals(claims.getSubject())
                    && "TEAM123456".equals(claims.getIssuer()) && List.of(issuer()).equals(claims.getAudience())
                    && claims.getExpirationTime().getTime() > now
                    && claims.getExpirationTime().getTime() - claims.getIssueTime().getTime() <= 15_777_000_000L;
            if (valid) {
                clientSecretJwts.add(claims);
            }
            return valid;
        } catch (Exception e) {
            return false;
        }
    }

    private String idToken(Grant grant) {
        long now = System.currentTimeMillis();
        Object tid = grant.claims().get("tid");
        String iss = options.templated() && tid != null ? issuer().replace("{tenantid}", tid.toString()) : issuer();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issuer(iss).subject(grant.sub()).audience(grant.audience())
                .issueTime(new Date(now)).expirationTime(new Date(now + grant.lifetime() * 1000)).claim("nonce", grant.nonce())
                .claim("auth_time", grant.authTime()).claim("acr", "urn:test:pwd").claim("amr", java.util.List.of("pwd"))
                .claim("email", grant.sub() + "@example.com").claim("email_verified", true)
                .claim("groups", java.util.List.of("staff"));
        if (options.clientSecretKey() == null) {
            builder.claim("name", "Test " + grant.sub()); // Apple's id_tokens carry no name
        }
        grant.claims().forEach(builder::claim);
        JWTClaimsSet claims = builder.build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).type(grant.typ()).build(), claims);
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
