package dev.tokenservices.token.support;

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
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A small OpenID provider for the tests: discovery and JWKS over real HTTP, and id_tokens minted
 * with its key (or deliberately broken). Counts fetches, so tests can prove what was (not) fetched.
 */
public final class TestIssuer implements AutoCloseable {

    public static final String AUDIENCE = "ts-test-app";

    private final HttpServer server;
    private final ECKey key;
    public final AtomicInteger discoveryFetches = new AtomicInteger();
    public final AtomicInteger jwksFetches = new AtomicInteger();
    private final String path;
    private final boolean templated;

    public TestIssuer() throws Exception {
        this("", false);
    }

    /**
     * @param path      the issuer's path (an Okta custom authorization server's, a Keycloak realm's); "" for none
     * @param templated Entra ID multi-tenant: the issuer is {@code <base>/{tenantid}/v2.0}, its discovery at
     *                  {@code <base>/organizations/v2.0}
     */
    public TestIssuer(String path, boolean templated) throws Exception {
        this.path = path;
        this.templated = templated;
        key = new ECKeyGenerator(Curve.P_256).keyID("issuer-key-1").algorithm(JWSAlgorithm.ES256).generate();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(4));
        String discovery = templated ? "/organizations/v2.0" : path;
        server.createContext(discovery + "/.well-known/openid-configuration", exchange -> {
            discoveryFetches.incrementAndGet();
            respond(exchange, 200, "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + base() + path + "/jwks\"}");
        });
        server.createContext(path + "/jwks", exchange -> {
            jwksFetches.incrementAndGet();
            exchange.getResponseHeaders().add("Cache-Control", "max-age=300");
            respond(exchange, 200, new JWKSet(key.toPublicJWK()).toString());
        });
        server.start();
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The issuer as the registry and discovery name it (templated: with {@code {tenantid}}). */
    public String issuer() {
        return templated ? base() + "/{tenantid}/v2.0" : base() + path;
    }

    public ECKey key() {
        return key;
    }

    /** Claims of a good id_token for {@code sub}, ready to be changed by a test. */
    public JWTClaimsSet.Builder claims(String sub) {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().issuer(issuer()).subject(sub).audience(AUDIENCE)
                .issueTime(new Date(now)).expirationTime(new Date(now + 300_000))
                .claim("email", sub + "@example.com").claim("name", "Test " + sub).claim("nonce", "n-0S6_WzA2Mj");
    }

    public String idToken(String sub) {
        return sign(claims(sub).build(), h -> { });
    }

    public String sign(JWTClaimsSet claims, Consumer<JWSHeader.Builder> header) {
        return sign(claims, header, key);
    }

    public String sign(JWTClaimsSet claims, Consumer<JWSHeader.Builder> header, ECKey with) {
        try {
            JWSHeader.Builder builder = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(with.getKeyID()).type(JOSEObjectType.JWT);
            header.accept(builder);
            SignedJWT jwt = new SignedJWT(builder.build(), claims);
            jwt.sign(new ECDSASigner(with));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    public List<Integer> fetches() {
        return List.of(discoveryFetches.get(), jwksFetches.get());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
