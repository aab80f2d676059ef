package dev.tokenservices.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The local Redis Cluster of {@code scripts/redis-cluster.sh}: three masters on 127.0.0.1:7000–7002
 * (./test.sh starts it; started here when it is not up, e.g. under a bare {@code ./mvnw verify}).
 * Points the service at it in cluster mode.
 */
public class LocalRedisCluster implements QuarkusTestResourceLifecycleManager {

    public static final List<Integer> PORTS = List.of(7000, 7001, 7002);

    /**
     * A test profile that runs the service against the cluster (the resource's {@link #start} points
     * the service at it); extend it to add test resources.
     */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(LocalRedisCluster.class));
        }
    }

    private static Map<String, String> config() {
        return Map.of("quarkus.redis.client-type", "cluster",
                "quarkus.redis.hosts", PORTS.stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(",")));
    }

    @Override
    public Map<String, String> start() {
        if (!healthy()) {
            Path script = Path.of("..", "scripts", "redis-cluster.sh").toAbsolutePath().normalize();
            try {
                Process process = new ProcessBuilder(script.toString(), "start").inheritIO().start();
                if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
                    process.destroy();
                    throw new IllegalStateException(script + " start failed");
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + script, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (!healthy()) {
                throw new IllegalStateException("no healthy Redis Cluster on 127.0.0.1:7000-7002; run scripts/redis-cluster.sh start");
            }
        }
        return config();
    }

    @Override
    public void stop() {
        // left running for the next test run, like the standalone Redis
    }

    /** Every node answers CLUSTER INFO with cluster_state:ok. */
    static boolean healthy() {
        for (int port : PORTS) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                socket.setSoTimeout(2000);
                OutputStream out = socket.getOutputStream();
                out.write("CLUSTER INFO\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[4096];
                StringBuilder reply = new StringBuilder();
                int n;
                // up to the line after cluster_state, or an error reply (a Redis without cluster mode)
                while (!reply.toString().contains("cluster_slots_assigned") && !reply.toString().startsWith("-")
                        && (n = in.read(buffer)) > 0) {
                    reply.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
                }
                if (!reply.toString().contains("cluster_state:ok")) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
