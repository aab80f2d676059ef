package dev.tokenservices.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * The management port (health, metrics) of a packaged application under {@code @QuarkusIntegrationTest}.
 * Quarkus finds the random public port of such an application in its log, but not the management
 * port, which would then be the fixed default and clash with anything else running: this resource
 * picks a free port, hands it to the application ({@code quarkus.management.port}) and tells the test.
 * {@code @QuarkusTest}s need none of this: {@code @TestHTTPResource(value = "health/ready", management = true)}.
 */
public class ManagementPort implements QuarkusTestResourceLifecycleManager {

    private static volatile int port;

    @Override
    public Map<String, String> start() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for the management interface", e);
        }
        return Map.of("quarkus.management.port", String.valueOf(port));
    }

    @Override
    public void stop() {
        // nothing runs here: the application owns the port
    }

    /** The URL of a management endpoint, e.g. {@code url("health/ready")} for /q/health/ready. */
    public static String url(String path) {
        if (port == 0) {
            throw new IllegalStateException("ManagementPort has not been started: annotate the test with @WithTestResource(ManagementPort.class)");
        }
        return "http://localhost:" + port + "/q/" + path;
    }
}
