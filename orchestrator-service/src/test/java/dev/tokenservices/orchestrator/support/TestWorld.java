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

    @Override
    public synchronized Map<String, String> start() {
        try {
            if (upstream == null) {
                upstream = new FakeUpstream();
                tokenService = new FakeTokenService();
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    downIdp = "http://127.0.0.1:" + s.getLocalPort();
                }
            }
            String template = Files.readString(Path.of("src/test/resources/test-registry.yaml"), StandardCharsets.UTF_8);
            Path registry = Files.createTempFile("orchestrator-registry", ".yaml");
            Files.writeString(registry, template.replace("@UPSTREAM@", upstream.issuer()).replace("@DOWN_IDP@", downIdp));
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
