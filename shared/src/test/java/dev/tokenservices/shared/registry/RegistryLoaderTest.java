package dev.tokenservices.shared.registry;

import dev.tokenservices.shared.crypto.Hashes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.shared.config.ExampleSecrets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.validation.Validation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file is the only copy: what a new file says replaces all of the old one, whether read while
 * running or at a restart, and a broken change leaves the last good registry in use.
 */
class RegistryLoaderTest {

    private static final String OLD_SECRET = "old-secret-0123456789abcdefghijklmnop";
    private static final String NEW_SECRET = "new-secret-0123456789abcdefghijklmnop";

    static final String OLD = """
            clients:
              - client_id: web-shop
                client_secret: %s
                redirect_uris: ["https://shop.example/callback"]
                scope: "openid profile invoices.read"
              - client_id: removed-worker
                client_secret: removed-worker-secret-0123456789abcdef
                grant_types: [client_credentials]
            """.formatted(OLD_SECRET);
    static final String NEW = """
            clients:
              - client_id: web-shop
                client_secret: %s
                redirect_uris: ["https://shop.example/new-callback"]
                scope: "openid profile"
            """.formatted(NEW_SECRET);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private RegistryLoader<Registry> loader(Path file) {
        return new RegistryLoader<>(file, EnumSet.of(SecretField.CLIENT_SECRETS), ExampleSecrets.ALLOWED,
                Validation.buildDefaultValidatorFactory().getValidator(), registry -> registry, metrics);
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    private static void assertNew(Registry registry) {
        assertTrue(registry.client("removed-worker").isEmpty(), "a removed client is gone");
        ClientEntry shop = registry.client("web-shop").orElseThrow();
        assertEquals(Hashes.sha256Hex(NEW_SECRET), shop.secretHash(), "the rotated secret, and only it");
        assertEquals(Set.of("openid", "profile"), shop.scope(), "the narrower scope");
        assertEquals(List.of("https://shop.example/new-callback"), shop.redirectUris());
    }

    @Test
    void aChangedFileReplacesTheWholeRegistryWhileRunning() throws IOException {
        Path file = write("registry.yaml", OLD);
        try (RegistryLoader<Registry> loader = loader(file)) {
            loader.start(Duration.ofHours(1));
            assertTrue(loader.registry().client("removed-worker").isPresent());
            assertFalse(loader.reload(), "an unchanged file is not read again");
            write("registry.yaml", NEW);
            assertTrue(loader.reload());
            assertNew(loader.registry());
            assertEquals(1, loader.reloads());
            assertEquals(1.0, metrics.get("registry_reloads_total").tag("result", "applied").functionCounter().count());
        }
    }

    @Test
    void aConfigMapSwapOfTheSymlinkIsSeenOnTheTimer() throws Exception {
        // how Kubernetes updates a mounted ConfigMap: a new directory, then ..data re-pointed at once
        Files.createDirectories(dir.resolve("v1"));
        Files.createDirectories(dir.resolve("v2"));
        Files.writeString(dir.resolve("v1/registry.yaml"), OLD);
        Files.writeString(dir.resolve("v2/registry.yaml"), NEW);
        Files.createSymbolicLink(dir.resolve("..data"), dir.resolve("v1"));
        Files.createSymbolicLink(dir.resolve("registry.yaml"), dir.resolve("..data/registry.yaml"));
        try (RegistryLoader<Registry> loader = loader(dir.resolve("registry.yaml"))) {
            loader.start(Duration.ofMillis(50));
            Files.createSymbolicLink(dir.resolve("..data_tmp"), dir.resolve("v2"));
            Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (loader.reloads() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertNew(loader.registry());
        }
    }

    @Test
    void aBrokenChangeIsRefusedAndTheLastGoodRegistryStays() throws IOException {
        Path file = write("registry.yaml", OLD);
        try (RegistryLoader<Registry> loader = loader(file)) {
            loader.start(Duration.ofHours(1));
            Registry good = loader.registry();
            write("registry.yaml", NEW.replace(NEW_SECRET, "short"));
            assertFalse(loader.reload());
            assertSame(good, loader.registry(), "the registry before stays in use");
            assertEquals(1.0, metrics.get("registry_reloads_total").tag("result", "refused").functionCounter().count());
            assertFalse(loader.reload(), "the same broken file is not tried (nor reported) again");
            assertEquals(1, loader.refusedReloads());
            write("registry.yaml", NEW);
            assertTrue(loader.reload(), "a fixed file is taken");
            assertNew(loader.registry());
        }
    }

    @Test
    void aServiceViewThatRefusesTheRegistryKeepsTheLastGoodOne() throws IOException {
        Path file = write("registry.yaml", OLD);
        try (RegistryLoader<Integer> loader = new RegistryLoader<>(file, EnumSet.noneOf(SecretField.class), ExampleSecrets.ALLOWED,
                Validation.buildDefaultValidatorFactory().getValidator(), registry -> {
                    if (registry.clients().size() == 1) {
                        throw new IllegalArgumentException("client web-shop: refused by the service");
                    }
                    return registry.clients().size();
                }, metrics)) {
            loader.start(Duration.ofHours(1));
            write("registry.yaml", NEW);
            assertFalse(loader.reload());
            assertEquals(2, loader.view());
        }
    }

    @Test
    void aWrongFileAtStartStopsStartUpNamingFileEntryAndField() throws IOException {
        Path file = write("registry.yaml", NEW.replace(NEW_SECRET, "short"));
        try (RegistryLoader<Registry> loader = loader(file)) {
            RegistryException e = assertThrows(RegistryException.class, () -> loader.start(Duration.ofHours(1)));
            assertTrue(e.getMessage().contains(file + ": clients[0] (web-shop): field 'client_secret'"), e.getMessage());
        }
        try (RegistryLoader<Registry> loader = loader(dir.resolve("missing.yaml"))) {
            RegistryException e = assertThrows(RegistryException.class, () -> loader.start(Duration.ofHours(1)));
            assertTrue(e.getMessage().contains("missing.yaml cannot be read"), e.getMessage());
        }
    }

    @Test
    void aRestartWithTheNewFileKeepsNothingOfTheOldAndAnOlderFileElsewhereChangesNothing() throws IOException {
        Path oldFile = write("old.yaml", OLD);
        Path newFile = write("new.yaml", NEW);
        try (RegistryLoader<Registry> before = loader(oldFile)) {
            before.start(Duration.ofHours(1));
            assertTrue(before.registry().client("removed-worker").isPresent());
        }
        try (RegistryLoader<Registry> restarted = loader(newFile); RegistryLoader<Registry> olderInstance = loader(oldFile)) {
            restarted.start(Duration.ofHours(1));
            assertNew(restarted.registry());
            // an instance started later with the older file: it serves its own file, and nothing else
            olderInstance.start(Duration.ofHours(1));
            assertFalse(restarted.reload());
            assertNew(restarted.registry());
            assertNotEquals(restarted.registry().client("web-shop").orElseThrow().secretHash(),
                    olderInstance.registry().client("web-shop").orElseThrow().secretHash());
        }
    }
}
