package dev.tokenservices.orchestrator.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the orchestrator under test talks to, started once: an upstream IdP, a token service, and
 * an upstream IdP that is down. Their addresses go into a copy of the test registry.
 */
public class TestWorld implements QuarkusTestResourceLifecycleManager {

    public static FakeUpstream upstream;
    public static FakeTokenService tokenService;
    public static String downIdp;
    /** Google: its issuer also signs as the issuer without scheme; Workspace domain pinned. */
    public static FakeUpstream google;
    /** Entra ID multi-tenant: a templated issuer. */
    public static FakeUpstream entra;
    /** A Keycloak realm / Okta custom authorization server: an issuer with a path. */
    public static FakeUpstream realm;
    /** Sign in with Apple: form_post, client secret JWT. */
    public static FakeUpstream apple;
    public static com.nimbusds.jose.jwk.ECKey appleKey;
    /** Accepts connections and never answers. */
    public static java.net.ServerSocket slowIdp;
    public static final String TENANT_A = "9b2f6a1e-7d3c-4b8a-a1f0-2c5d8e9f0a1b";
    public static final String TENANT_B = "1c0d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f";

    @Override
    public synchronized Map<String, String> start() {
        try {
            if (upstream == null) {
                upstream = new FakeUpstream();
                tokenService = new FakeTokenService();
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    downIdp = "http://127.0.0.1:" + s.getLocalPort();
                }
                google = new FakeUpstream();
                entra = new FakeUpstream(new FakeUpstream.Options("", true, null));
                realm = new FakeUpstream(new FakeUpstream.Options("/realms/demo", false, null));
                appleKey = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("APPLEKEY01").generate();
                apple = new FakeUpstream(new FakeUpstream.Options("", false, appleKey.toPublicJWK()));
                slowIdp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            }
            String template = Files.readString(Path.of("src/test/resources/test-registry.yaml"), StandardCharsets.UTF_8);
            Path registry = Files.createTempFile("orchestrator-registry", ".yaml");
            Files.writeString(registry, template.replace("@UPSTREAM@", upstream.issuer()).replace("@DOWN_IDP@", downIdp)
                    .replace("@GOOGLE@", google.issuer()).replace("@GOOGLE_ALIAS@", google.issuer().substring("http://".length()))
                    .replace("@ENTRA@", entra.issuer()).replace("@TENANT_A@", TENANT_A)
                    .replace("@REALM@", realm.issuer()).replace("@APPLE@", apple.issuer())
                    .replace("@APPLE_KEY@", appleKey.toJSONString().replace("\"", "\\\""))
                    .replace("@SLOW_IDP@", "http://127.0.0.1:" + slowIdp.getLocalPort()));
            registry.toFile().deleteOnExit();
            return Map.of("orchestrator.registry", registry.toString(), "orchestrator.token-service.url", tokenService.url());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        // kept for the next Quarkus start of this test run
    }
}
