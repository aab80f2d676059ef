package dev.tokenservices.token.packaged;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The packaged application outside dev and test mode refuses to start with an example secret, and
 * says which one: the master key, or a registry client's secret (entry and field named). It runs the
 * JVM build (target/quarkus-app) itself, as an operator would, with the test profile's settings.
 */
class ExampleSecretsRefusedIT {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    /** The key the test database's signing keys are stored under (see the failsafe configuration). */
    private static final String REAL_KEY = "RIcKWxLp6yQd14VlAWT7r85KQOoSH6ccTXY4wzeV0rs=";

    @Test
    void anExampleMasterKeyStopsStartUpNamingTheVariable() throws Exception {
        // base64 of "change-me-dev-master-key-32bytes", the key the dev overlay used to ship
        String example = "Y2hhbmdlLW1lLWRldi1tYXN0ZXIta2V5LTMyYnl0ZXM=";
        Result run = start(Map.of("TS_KEY_ENCRYPTION_KEY", example, "REPORTS_WORKER_SECRET", "reports-worker-secret-0123456789abcdef"));
        assertNotEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("TS_KEY_ENCRYPTION_KEY looks like an example value"), run.output());
        assertFalse(run.output().contains(example), "the value is never logged");
    }

    @Test
    void anExampleClientSecretInTheRegistryStopsStartUpNamingTheEntry() throws Exception {
        Result run = start(Map.of("TS_KEY_ENCRYPTION_KEY", REAL_KEY, "REPORTS_WORKER_SECRET", "change-me-reports-worker-secret-0000000000"));
        assertNotEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("clients[0] (reports-worker): field 'client_secret' looks like an example value"), run.output());
        assertFalse(run.output().contains("change-me-reports-worker"), "the value is never logged");
    }

    private record Result(int exitCode, String output) {
    }

    private static Result start(Map<String, String> env) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isRegularFile(JAR), JAR + " is not built (a native build runs the other ITs)");
        Path log = Files.createTempFile("example-secrets", ".log");
        Path registry = Files.createTempFile("example-secrets", ".yaml");
        Files.writeString(registry, """
                clients:
                  - client_id: reports-worker
                    client_secret: ${REPORTS_WORKER_SECRET}
                    grant_types: [client_credentials]
                    scope: "invoices.read"
                resources:
                  - resource: https://api.example/invoices
                    scopes: [invoices.read]
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Dquarkus.profile=test", "-D%test.ts.registry=" + registry,
                "-Dquarkus.http.port=0", "-Dquarkus.management.port=0", "-jar", JAR.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the service did not stop within 120 s:\n" + Files.readString(log));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(registry);
        }
    }
}
