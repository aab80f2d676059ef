package dev.tokenservices.token.registry;

import static dev.tokenservices.token.support.Fixtures.NARROW_WORKER;
import static dev.tokenservices.token.support.Fixtures.NARROW_WORKER_SECRET;
import static dev.tokenservices.token.support.Fixtures.POST_WORKER;
import static dev.tokenservices.token.support.Fixtures.POST_WORKER_SECRET;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.worker;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.registry.RegistryLoader;
import dev.tokenservices.shared.registry.SecretField;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import jakarta.validation.Validator;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry file is the only truth of the running token service: the file is rewritten while it
 * runs (as a mounted ConfigMap changes), and what the new file says is what /token does, nothing of
 * the old one. A broken change keeps the last good registry.
 */
@QuarkusTest
@TestProfile(RegistryFileReloadTest.QuickReload.class)
class RegistryFileReloadTest {

    public static class QuickReload implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ts.registry-refresh-interval", "100ms");
        }
    }

    private static final String ROTATED_SECRET = "post-worker-rotated-0123456789abcdefgh";
    private static final String NARROW_WORKER_ENTRY = """
              - client_id: narrow-worker
                client_secret: narrow-worker-secret-0123456789abcdef
                grant_types: [client_credentials]
                scope: "media.play"
            """;

    @ConfigProperty(name = "ts.registry")
    Path file;

    @Inject
    RegistryCache registry;

    @Inject
    Pool pool;

    @Inject
    Validator validator;

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    private String original;
    /** The content the service serves now. */
    private String served;

    @BeforeEach
    void keepTheFile() throws IOException {
        original = Files.readString(file);
        served = original;
        assertTrue(original.contains(NARROW_WORKER_ENTRY) && original.contains(POST_WORKER_SECRET), "the test registry changed");
    }

    @AfterEach
    void restoreTheFile() throws Exception {
        rewrite(original);
    }

    /** Writes the file and waits until the service has taken it (it is checked every 100 ms). */
    private void rewrite(String yaml) throws Exception {
        RegistryCache.Snapshot before = registry.snapshot();
        replace(yaml);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!yaml.equals(served) && registry.snapshot() == before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        served = yaml;
    }

    /**
     * Replaces the file in one step, as Kubernetes swaps a mounted ConfigMap: written in place, a reload
     * could read it half-written, and a cut that still parses (fewer clients) would be taken.
     */
    private void replace(String yaml) throws IOException {
        Path next = Files.writeString(Files.createTempFile(file.toAbsolutePath().getParent(), "registry", ".tmp"), yaml);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private double refusedReloads() {
        String text = given().get(metrics).asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("registry_reloads_total\\{result=\"refused\"} (\\S+)").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static ValidatableResponse clientCredentials(String clientId, String secret, String scope) {
        var request = form().auth().preemptive().basic(clientId, secret).formParam("grant_type", "client_credentials");
        return (scope == null ? request : request.formParam("scope", scope)).post("/token").then();
    }

    /** post-worker authenticates with client_secret_post. */
    private static ValidatableResponse postWorker(String secret) {
        return form().formParam("client_id", POST_WORKER).formParam("client_secret", secret)
                .formParam("grant_type", "client_credentials").post("/token").then();
    }

    private static void refused(ValidatableResponse response) {
        response.statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void aClientRemovedFromTheFileIsRefused() throws Exception {
        clientCredentials(NARROW_WORKER, NARROW_WORKER_SECRET, null).statusCode(200);
        rewrite(original.replace(NARROW_WORKER_ENTRY, ""));
        refused(clientCredentials(NARROW_WORKER, NARROW_WORKER_SECRET, null));
    }

    @Test
    void aRotatedSecretRefusesTheOldAndAcceptsTheNew() throws Exception {
        postWorker(POST_WORKER_SECRET).statusCode(200);
        rewrite(original.replace(POST_WORKER_SECRET, ROTATED_SECRET));
        refused(postWorker(POST_WORKER_SECRET));
        postWorker(ROTATED_SECRET).statusCode(200).body("scope", equalTo("invoices.read"));
    }

    @Test
    void aNarrowerScopeIsAllThatIsGranted() throws Exception {
        worker().formParam("grant_type", "client_credentials").formParam("scope", "media.play").post("/token").then().statusCode(200);
        rewrite(original.replace("scope: \"invoices.read invoices.write media.play misc.flag\"", "scope: \"invoices.read\""));
        worker().formParam("grant_type", "client_credentials").formParam("scope", "media.play").post("/token").then()
                .statusCode(400).body("error", equalTo("invalid_scope"));
        worker().formParam("grant_type", "client_credentials").post("/token").then()
                .statusCode(200).body("scope", equalTo("invoices.read"));
    }

    @Test
    void aBrokenChangeIsLoggedAndCountedAndTheLastGoodRegistryStays() throws Exception {
        double before = refusedReloads();
        assertTrue(before >= 0, "registry_reloads_total{result=refused} is exported");
        replace(original.replace(NARROW_WORKER_ENTRY, "").replace(POST_WORKER_SECRET, "too-short"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (refusedReloads() == before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(before + 1, refusedReloads());
        clientCredentials(NARROW_WORKER, NARROW_WORKER_SECRET, null).statusCode(200);
        postWorker(POST_WORKER_SECRET).statusCode(200);
    }

    @Test
    void anInstanceStartedWithAnOlderFileNeverUndoesTheNewer() throws Exception {
        rewrite(original.replace(NARROW_WORKER_ENTRY, "").replace(POST_WORKER_SECRET, ROTATED_SECRET));
        // another instance starts with the older file, as a pod of the previous rollout would: it reads
        // its file exactly as this service does, and has nowhere to write it
        Path older = Files.writeString(Files.createTempFile("older-registry", ".yaml"), original);
        try (RegistryLoader<RegistryCache.Snapshot> olderInstance = new RegistryLoader<>(older, EnumSet.of(SecretField.CLIENT_SECRETS),
                ExampleSecrets.ALLOWED, validator, r -> RegistryCache.Snapshot.of(r, "orchestrator"), new SimpleMeterRegistry())) {
            olderInstance.start(Duration.ofMillis(100));
            assertTrue(olderInstance.view().clients().containsKey(NARROW_WORKER));
            Thread.sleep(500);
            refused(clientCredentials(NARROW_WORKER, NARROW_WORKER_SECRET, null));
            refused(postWorker(POST_WORKER_SECRET));
            postWorker(ROTATED_SECRET).statusCode(200);
        } finally {
            Files.delete(older);
        }
        // no copy of the registry is kept where an older instance could write one
        for (String table : new String[] {"registry_client", "registry_resource", "registry_trusted_issuer", "registry_upstream_idp"}) {
            assertNull(pool.preparedQuery("SELECT to_regclass($1)::text AS t").execute(io.vertx.mutiny.sqlclient.Tuple.of(table))
                    .await().atMost(Duration.ofSeconds(5)).iterator().next().getString("t"), table + " is gone");
        }
    }
}
