package dev.tokenservices.orchestrator.keys;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.jose.KeyRepository;
import dev.tokenservices.shared.jose.SigningKey;
import dev.tokenservices.shared.jose.SigningKeys;
import dev.tokenservices.testsupport.SafeContext;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One key family per id_token algorithm in one table: all published in /jwks, each rotating on the
 * same schedule as the token service's keys (announced before it signs, kept after it retires), and
 * instances rotating at once agree on one new key per family.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class SigningKeyFamiliesTest {

    @Inject
    Mutiny.SessionFactory database;
    @Inject
    KeyEncryption masterKey;
    @Inject
    IdTokenKeys keys;

    private final Set<String> created = new HashSet<>();

    private KeyRepository table() {
        return new KeyRepository(IdTokenKeyEntity.class, IdTokenKeyEntity::new, IdTokenKeyEntity.TABLE, database::withTransaction);
    }

    @AfterEach
    void removeTestKeys() {
        SafeContext.await(() -> database.withTransaction(session -> session.createNativeQuery(
                "DELETE FROM orchestrator_signing_key WHERE kid LIKE 'concurrent-%' OR kid = ANY(?1)")
                .setParameter(1, created.toArray(String[]::new)).executeUpdate()));
    }

    @Test
    void jwksPublishesAKeyOfEveryAlgorithmRs256First() throws Exception {
        List<JWK> published = JWKSet.parse(given().get("/jwks").then().statusCode(200).extract().asString()).getKeys();
        List<String> algs = published.stream().map(k -> k.getAlgorithm().getName()).distinct().toList();
        assertEquals(List.of("RS256", "ES256", "EdDSA"), algs);
        for (JWK key : published) {
            assertEquals(KeyUse.SIGNATURE, key.getKeyUse());
            assertFalse(key.isPrivate(), "public halves only");
        }
        for (KeyAlgorithm alg : IdTokenKeys.ID_TOKEN_ALGORITHMS) {
            assertEquals(alg, keys.signingKey(alg).algorithm(), "each family's active key is of its algorithm");
        }
    }

    @Test
    void concurrentRotationsCreateExactlyOneKeyPerFamily() {
        Instant now = Instant.now().plus(Duration.ofDays(31));
        List<Uni<dev.tokenservices.shared.jose.KeySchedule.Plan>> rotations = new ArrayList<>();
        for (KeyAlgorithm alg : List.of(KeyAlgorithm.RS256, KeyAlgorithm.ES256)) {
            KeyRepository family = table().family(alg);
            dev.tokenservices.shared.jose.KeySchedule schedule = new dev.tokenservices.shared.jose.KeySchedule(alg, Duration.ofDays(30),
                    Duration.ofHours(1));
            for (int i = 0; i < 4; i++) {
                String kid = "concurrent-" + alg + "-" + i;
                rotations.add(family.rotate(schedule, now, Duration.ofMinutes(5),
                        start -> Optional.of(new KeyRepository.NewKey(kid, alg, "{}", new byte[] {1, 2, 3}))));
            }
        }
        SafeContext.await(() -> Uni.join().all(rotations).andFailFast());
        List<KeyRepository.StoredKey> stored = SafeContext.await(table()::loadAll);
        for (KeyAlgorithm alg : List.of(KeyAlgorithm.RS256, KeyAlgorithm.ES256)) {
            List<KeyRepository.StoredKey> made = stored.stream().filter(k -> k.kid().startsWith("concurrent-" + alg + "-")).toList();
            assertEquals(1, made.size(), "instances rotating the " + alg + " family at once agree on one new key");
            assertEquals(alg, made.get(0).algorithm());
            assertEquals(now.plus(Duration.ofHours(1)).getEpochSecond(), made.get(0).activatesAt().getEpochSecond(),
                    "published an hour before it signs");
        }
    }

    @Test
    void aStartWithUsableStoredKeysMakesNoKeyPair() {
        for (KeyAlgorithm alg : IdTokenKeys.ID_TOKEN_ALGORITHMS) {
            SigningKeys restarted = new SigningKeys(table().family(alg), alg, Duration.ofDays(30), Duration.ofHours(1),
                    Duration.ofSeconds(30), masterKey, Clock.systemUTC(), () -> Duration.ofHours(2));
            SafeContext.await(restarted::refresh);
            assertEquals(keys.signingKey(alg).kid(), restarted.signingKey().kid(), alg + ": the running service's key signs");
            assertEquals(0, restarted.keysGenerated(), alg + ": no key pair made only for the database to keep the one it has");
        }
    }

    @Test
    void eachFamilyRotatesAnnouncedBeforeUseAndKeptAfterItsSuccessorStarts() {
        for (KeyAlgorithm alg : List.of(KeyAlgorithm.RS256, KeyAlgorithm.ES256)) {
            MovableClock clock = new MovableClock(Instant.now());
            SigningKeys family = new SigningKeys(table().family(alg), alg, Duration.ofDays(30), Duration.ofHours(1),
                    Duration.ofSeconds(30), masterKey, clock, () -> Duration.ofHours(2));
            SafeContext.await(family::refresh);
            SigningKey current = family.signingKey();
            assertEquals(alg, current.algorithm());

            // due: the successor is published, the current key still signs
            clock.now = current.activatesAt().plus(Duration.ofDays(30)).minus(Duration.ofMinutes(30));
            SafeContext.await(family::refresh);
            List<SigningKey> published = family.publishedKeys();
            assertEquals(2, published.size(), alg + ": the successor is announced");
            SigningKey next = published.stream().filter(k -> !k.kid().equals(current.kid())).findFirst().orElseThrow();
            created.add(next.kid());
            assertEquals(alg, next.algorithm(), "a family's successor is of its algorithm");
            assertEquals(current.kid(), family.signingKey().kid(), alg + ": the old key signs until the successor starts");

            // after the switch: the successor signs, the retired key is still published
            clock.now = next.activatesAt().plusSeconds(1);
            SafeContext.await(family::refresh);
            assertEquals(next.kid(), family.signingKey().kid());
            assertTrue(family.key(current.kid()).isPresent(), alg + ": the retired key stays published");
            // (its deletion after retention is KeySchedule's, tested in shared: here it would take the running service's key)
        }
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
