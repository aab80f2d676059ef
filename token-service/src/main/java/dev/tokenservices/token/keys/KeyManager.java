package dev.tokenservices.token.keys;

import com.nimbusds.jose.jwk.JWK;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.registry.RegistryCache;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The signing keys of this instance, cached in memory: the token hot path asks for the active key
 * without touching the database. Every instance reloads the key set and applies the rotation
 * schedule on a timer; all instances read the same rows, so they agree on the active key.
 */
@ApplicationScoped
public class KeyManager {

    private static final Logger LOG = Logger.getLogger(KeyManager.class);

    private final TokenServiceConfig config;
    private final KeyRepository repository;
    private final RegistryCache registry;
    private final Clock clock;
    private final KeySchedule schedule;
    private volatile KeyEncryption encryption;
    private volatile KeyRing ring = KeyRing.EMPTY;

    public KeyManager(TokenServiceConfig config, KeyRepository repository, RegistryCache registry, Clock clock) {
        this.config = config;
        this.repository = repository;
        this.registry = registry;
        this.clock = clock;
        TokenServiceConfig.Keys keys = config.keys();
        this.schedule = new KeySchedule(keys.algorithm(), keys.rotationPeriod(), keys.publishAhead());
        if (keys.publishAhead().compareTo(keys.refreshInterval().multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("ts.keys.publish-ahead (" + keys.publishAhead()
                    + ") must be at least twice ts.keys.refresh-interval (" + keys.refreshInterval()
                    + ") so every instance publishes a key before any instance signs with it");
        }
    }

    /** Called once at start-up, off the event loop: there must be a usable key before we serve. */
    public void start() {
        encryption = masterKey();
        refresh().await().atMost(Duration.ofSeconds(30));
        LOG.infof("signing keys: %d published, active %s", ring.keys().size(), ring.active(clock.instant()));
    }

    @Scheduled(every = "${ts.keys.refresh-interval:PT30S}", delayed = "${ts.keys.refresh-interval:PT30S}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledRefresh() {
        try {
            refresh().await().atMost(config.keys().refreshInterval());
        } catch (RuntimeException e) {
            // keep signing with the cached keys; the next round tries again
            LOG.warnf("signing keys not refreshed (%s); the cached keys stay in use", e.getMessage());
        }
    }

    /** Applies rotation in the database, then reloads and decrypts the key set. */
    public Uni<Void> refresh() {
        Instant now = clock.instant();
        Duration retention = retention();
        // generate outside the transaction (RSA takes a while) and only when a key looks due
        boolean due = schedule.plan(ring.scheduleEntries(), now, retention).createActivatingAt().isPresent();
        Optional<KeyRepository.NewKey> candidate = due ? Optional.of(generate()) : Optional.empty();
        return repository.rotate(schedule, now, retention, start -> candidate)
                .invoke(plan -> plan.createActivatingAt().ifPresent(start -> {
                    if (candidate.isPresent()) {
                        LOG.infof("signing key %s created, signs from %s", candidate.get().kid(), start);
                    }
                }))
                .chain(repository::loadAll)
                .invoke(stored -> ring = KeyRing.of(decrypt(stored), retention, clock.instant()))
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

    /** Tokens signed by a retired key must verify until the longest lifetime has passed. */
    private Duration retention() {
        return Duration.ofSeconds(registry.longestAccessTokenLifetime()).plus(config.clockSkew());
    }

    private KeyRepository.NewKey generate() {
        try {
            KeyAlgorithm algorithm = config.keys().algorithm();
            KeyPair pair = algorithm.generate();
            JWK jwk = algorithm.publicJwk(pair.getPublic());
            return new KeyRepository.NewKey(jwk.getKeyID(), algorithm, jwk.toJSONString(),
                    encryption.encrypt(jwk.getKeyID(), pair.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException("cannot generate a " + config.keys().algorithm() + " signing key", e);
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

    private KeyEncryption masterKey() {
        Optional<String> configured = config.keyEncryptionKey().filter(k -> !k.isBlank());
        if (configured.isPresent()) {
            return KeyEncryption.fromBase64(configured.get());
        }
        if (!LaunchMode.current().isDevOrTest()) {
            throw new IllegalStateException("TS_KEY_ENCRYPTION_KEY is not set: the signing keys are stored encrypted "
                    + "under this master key. Make one with: openssl rand -base64 32 (keep it in a secret; it must not change)");
        }
        LOG.warn("TS_KEY_ENCRYPTION_KEY is not set: using the built-in development master key (dev and test only)");
        try {
            byte[] devKey = MessageDigest.getInstance("SHA-256").digest("tokenservices development key".getBytes(StandardCharsets.UTF_8));
            return KeyEncryption.fromBase64(Base64.getEncoder().encodeToString(devKey));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
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
