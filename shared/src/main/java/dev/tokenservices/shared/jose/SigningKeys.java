package dev.tokenservices.shared.jose;

import com.nimbusds.jose.jwk.JWK;
import io.smallrye.mutiny.Uni;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * An issuer's signing keys, cached in memory: signing asks for the active key without touching the
 * database. {@link #refresh()} applies the rotation schedule in the database and reloads; every
 * instance reads the same rows, so all instances agree on the active key. The token service and
 * the orchestrator each hold one, over their own table.
 */
public final class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);

    private final KeyRepository repository;
    private final KeySchedule schedule;
    private final KeyAlgorithm algorithm;
    private final KeyEncryption encryption;
    private final Clock clock;
    private final Supplier<Duration> retention;
    private volatile KeyRing ring = KeyRing.EMPTY;
    private final AtomicInteger generated = new AtomicInteger();

    /**
     * @param retention how long a retired key stays published: the longest token lifetime plus skew
     */
    public SigningKeys(KeyRepository repository, KeyAlgorithm algorithm, Duration rotationPeriod, Duration publishAhead,
            Duration refreshInterval, KeyEncryption encryption, Clock clock, Supplier<Duration> retention) {
        if (publishAhead.compareTo(refreshInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("publish-ahead (" + publishAhead + ") must be at least twice the refresh interval ("
                    + refreshInterval + ") so every instance publishes a key before any instance signs with it");
        }
        this.repository = repository;
        this.schedule = new KeySchedule(algorithm, rotationPeriod, publishAhead);
        this.algorithm = algorithm;
        this.encryption = encryption;
        this.clock = clock;
        this.retention = retention;
    }

    /**
     * Applies rotation in the database, then reloads and decrypts the key set. The first refresh (at
     * start-up) reads the stored keys before deciding: with nothing cached every key looks due, and a
     * restart would make an RSA key pair (a third of a second in a native executable) only for the
     * database to keep the one it has.
     */
    public Uni<Void> refresh() {
        Duration keep = retention.get();
        Uni<Void> known = ring == KeyRing.EMPTY ? reload(keep) : Uni.createFrom().voidItem();
        return known.chain(() -> {
            Instant now = clock.instant();
            // generate outside the transaction (RSA takes a while) and only when a key looks due
            boolean due = schedule.plan(ring.scheduleEntries(), now, keep).createActivatingAt().isPresent();
            Optional<KeyRepository.NewKey> candidate = due ? Optional.of(generate()) : Optional.empty();
            return repository.rotate(schedule, now, keep, start -> candidate)
                    .invoke(plan -> plan.createActivatingAt().ifPresent(start -> candidate.ifPresent(
                            key -> LOG.infof("signing key %s created in %s, signs from %s", key.kid(), repository, start))))
                    .chain(() -> reload(keep));
        });
    }

    /** How many key pairs this family has generated, stored or not (another instance may have rotated first). */
    public int keysGenerated() {
        return generated.get();
    }

    private Uni<Void> reload(Duration keep) {
        return repository.loadAll()
                .invoke(stored -> ring = KeyRing.of(decrypt(stored), keep, clock.instant()))
                .replaceWithVoid();
    }

    /** The key that signs now. */
    public SigningKey signingKey() {
        SigningKey key = ring.active(clock.instant());
        if (key == null) {
            throw new IllegalStateException("no signing key is active");
        }
        return key;
    }

    public Optional<SigningKey> key(String kid) {
        return Optional.ofNullable(ring.byKid().get(kid));
    }

    /** The JWK Set document (RFC 7517 §5): public halves of every published key. */
    public String jwksJson() {
        return ring.jwksJson();
    }

    public List<SigningKey> publishedKeys() {
        return ring.keys();
    }

    /** The algorithm of the keys this family makes. */
    public KeyAlgorithm algorithm() {
        return algorithm;
    }

    public KeyRepository repository() {
        return repository;
    }

    private KeyRepository.NewKey generate() {
        generated.incrementAndGet();
        try {
            KeyPair pair = algorithm.generate();
            JWK jwk = algorithm.publicJwk(pair.getPublic());
            return new KeyRepository.NewKey(jwk.getKeyID(), algorithm, jwk.toJSONString(),
                    encryption.encrypt(jwk.getKeyID(), pair.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException("cannot generate a " + algorithm + " signing key", e);
        }
    }

    private List<SigningKey> decrypt(List<KeyRepository.StoredKey> stored) {
        Map<String, SigningKey> known = ring.byKid();
        List<SigningKey> keys = new ArrayList<>();
        for (KeyRepository.StoredKey s : stored) {
            SigningKey cached = known.get(s.kid());
            if (cached != null) {
                keys.add(cached);
                continue;
            }
            try {
                byte[] pkcs8 = encryption.decrypt(s.kid(), s.sealedPrivateKey());
                keys.add(SigningKey.of(s.kid(), s.algorithm(), JWK.parse(s.publicJwk()), s.algorithm().privateKey(pkcs8),
                        s.createdAt(), s.activatesAt()));
            } catch (GeneralSecurityException | java.text.ParseException e) {
                throw new IllegalStateException("signing key " + s.kid() + " in the database cannot be decrypted: "
                        + "TS_KEY_ENCRYPTION_KEY is not the master key it was stored under");
            }
        }
        return keys;
    }

    /** A snapshot of the key set with the derived views the endpoints need. */
    static final class KeyRing {

        static final KeyRing EMPTY = new KeyRing(List.of(), "{\"keys\":[]}");

        private final List<SigningKey> keys;
        private final Map<String, SigningKey> byKid;
        private final String jwksJson;
        /** The active key and the window it is active in, so the hot path rarely recomputes it. */
        private volatile Cursor cursor = new Cursor(null, Instant.MAX, Instant.MIN);

        private record Cursor(SigningKey key, Instant from, Instant until) {
        }

        private KeyRing(List<SigningKey> keys, String jwksJson) {
            this.keys = List.copyOf(keys);
            this.byKid = keys.stream().collect(Collectors.toUnmodifiableMap(SigningKey::kid, k -> k));
            this.jwksJson = jwksJson;
        }

        /** Keeps the keys that are not retired for longer than {@code retention}. */
        static KeyRing of(List<SigningKey> all, Duration retention, Instant now) {
            Map<String, SigningKey> byKid = new HashMap<>();
            all.forEach(k -> byKid.put(k.kid(), k));
            List<KeySchedule.Entry> entries = KeySchedule.sorted(all.stream().map(SigningKey::scheduleEntry).toList());
            List<SigningKey> published = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                if (!KeySchedule.retired(entries, i, now, retention)) {
                    published.add(byKid.get(entries.get(i).kid()));
                }
            }
            String jwks = published.stream().map(k -> k.publicJwk().toPublicJWK().toJSONString())
                    .collect(Collectors.joining(",", "{\"keys\":[", "]}"));
            return new KeyRing(published, jwks);
        }

        List<SigningKey> keys() {
            return keys;
        }

        Map<String, SigningKey> byKid() {
            return byKid;
        }

        String jwksJson() {
            return jwksJson;
        }

        List<KeySchedule.Entry> scheduleEntries() {
            return keys.stream().map(SigningKey::scheduleEntry).toList();
        }

        SigningKey active(Instant now) {
            Cursor c = cursor;
            if (!now.isBefore(c.from()) && now.isBefore(c.until())) {
                return c.key();
            }
            SigningKey active = KeySchedule.active(keys, SigningKey::activatesAt, now).orElse(null);
            if (active != null) {
                Instant until = keys.stream().map(SigningKey::activatesAt).filter(t -> t.isAfter(now))
                        .min(Instant::compareTo).orElse(Instant.MAX);
                cursor = new Cursor(active, active.activatesAt(), until);
            }
            return active;
        }
    }
}
