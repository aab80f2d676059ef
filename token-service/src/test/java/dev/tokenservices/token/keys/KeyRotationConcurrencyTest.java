package dev.tokenservices.token.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.jose.KeyRepository;
import dev.tokenservices.shared.jose.KeySchedule;
import dev.tokenservices.testsupport.SafeContext;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import org.hibernate.reactive.mutiny.Mutiny;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many instances rotating against one database at the same moment must produce exactly one new key:
 * rotation runs under an advisory lock, so the second instance sees the first one's key.
 */
@QuarkusTest
class KeyRotationConcurrencyTest {

    @Inject
    KeyManager keys;

    KeyRepository repository;

    @Inject
    Mutiny.SessionFactory database;

    @org.junit.jupiter.api.BeforeEach
    void repository() {
        repository = keys.repository();
    }

    @AfterEach
    void removeTestKeys() {
        SafeContext.await(() -> database.withTransaction(session -> session.createNativeQuery("DELETE FROM signing_key WHERE kid LIKE 'concurrent-%'")
                .executeUpdate()));
    }

    @Test
    void concurrentRotationsCreateExactlyOneKey() {
        KeySchedule schedule = new KeySchedule(KeyAlgorithm.ES256, Duration.ofDays(30), Duration.ofHours(1));
        // a moment when the current key is overdue, as seen by eight instances at once
        Instant now = Instant.now().plus(Duration.ofDays(31));
        List<Uni<KeySchedule.Plan>> rotations = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String kid = "concurrent-" + i;
            rotations.add(repository.rotate(schedule, now, Duration.ofMinutes(5),
                    start -> Optional.of(new KeyRepository.NewKey(kid, KeyAlgorithm.ES256, "{}", new byte[] {1, 2, 3}))));
        }
        SafeContext.await(() -> Uni.join().all(rotations).andFailFast());
        long created = SafeContext.await(repository::loadAll).stream()
                .filter(k -> k.kid().startsWith("concurrent-")).count();
        assertEquals(1, created, "eight instances rotating at once agree on one new key");
        KeyRepository.StoredKey next = SafeContext.await(repository::loadAll).stream()
                .filter(k -> k.kid().startsWith("concurrent-")).findFirst().orElseThrow();
        assertEquals(now.plus(Duration.ofHours(1)).toEpochMilli() / 1000, next.activatesAt().toEpochMilli() / 1000,
                "the overdue successor is still published an hour before it signs");
    }

    @Test
    void theRunningServiceHasExactlyOneActiveKey() {
        List<KeyRepository.StoredKey> keys = SafeContext.await(repository::loadAll);
        Instant now = Instant.now();
        long started = keys.stream().filter(k -> !k.activatesAt().isAfter(now)).count();
        assertEquals(true, started >= 1);
        assertEquals(KeySchedule.active(keys, KeyRepository.StoredKey::activatesAt, now).orElseThrow().kid(),
                KeySchedule.active(keys, KeyRepository.StoredKey::activatesAt, now).orElseThrow().kid());
    }
}
