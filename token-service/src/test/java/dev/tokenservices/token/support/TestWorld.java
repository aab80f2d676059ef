package dev.tokenservices.token.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the service under test talks to, started once for all tests: a trusted issuer (also the
 * upstream IdP), a partner issuer whose tokens one client only may exchange, the scope authorities,
 * an attacker's server that must never be contacted, and an issuer that is down.
 * Their ports go into a copy of the test registry.
 */
public class TestWorld implements QuarkusTestResourceLifecycleManager {

    public static TestIssuer issuer;
    public static TestIssuer partner;
    public static TestAuthorities authorities;
    public static com.sun.net.httpserver.HttpServer attacker;
    public static final AtomicInteger attackerHits = new AtomicInteger();
    public static String downIssuer;
    /** Google-like: an alias for its issuer, a pinned Workspace domain. */
    public static TestIssuer google;
    /** Entra ID multi-tenant: a templated issuer. */
    public static TestIssuer entra;
    /** A Keycloak realm: an issuer with a path. */
    public static TestIssuer realm;
    public static final String TENANT_A = "9b2f6a1e-7d3c-4b8a-a1f0-2c5d8e9f0a1b";
    public static final String TENANT_B = "1c0d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f";

    @Override
    public synchronized Map<String, String> start() {
        try {
            if (issuer == null) {
                issuer = new TestIssuer();
                partner = new TestIssuer();
                google = new TestIssuer();
                entra = new TestIssuer("", true);
                realm = new TestIssuer("/realms/demo", false);
                authorities = new TestAuthorities();
                attacker = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
                attacker.createContext("/", exchange -> {
                    attackerHits.incrementAndGet();
                    TestIssuer.respond(exchange, 200, "{\"keys\":[]}");
                });
                attacker.start();
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    downIssuer = "http://127.0.0.1:" + s.getLocalPort();
                }
            }
            String template = Files.readString(Path.of("src/test/resources/test-registry.yaml"), StandardCharsets.UTF_8);
            Path registry = Files.createTempFile("test-registry", ".yaml");
            Files.writeString(registry, template.replace("@ISSUER@", issuer.issuer())
                    .replace("@AUTHORITIES@", authorities.url())
                    .replace("@DOWN_ISSUER@", downIssuer)
                    .replace("@PARTNER_ISSUER@", partner.issuer())
                    .replace("@GOOGLE@", google.issuer()).replace("@GOOGLE_ALIAS@", google.issuer().substring("http://".length()))
                    .replace("@ENTRA@", entra.issuer()).replace("@TENANT_A@", TENANT_A).replace("@REALM@", realm.issuer()));
            registry.toFile().deleteOnExit();
            return Map.of("ts.registry", registry.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String attackerUrl() {
        return "http://127.0.0.1:" + attacker.getAddress().getPort();
    }

    @Override
    public void stop() {
        // kept for the next Quarkus start of this test run; the JVM's end stops them
    }

}
