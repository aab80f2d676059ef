package dev.tokenservices.token.keys;

import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.jose.KeyRepository;
import dev.tokenservices.shared.jose.SigningKey;
import dev.tokenservices.shared.jose.SigningKeys;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.registry.RegistryCache;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The token service's signing keys (table {@code signing_key}), refreshed and rotated on a timer.
 * Requests read only memory.
 */
@ApplicationScoped
public class KeyManager {

    private static final Logger LOG = Logger.getLogger(KeyManager.class);

    private final TokenServiceConfig config;
    private final Mutiny.SessionFactory database;
    private final RegistryCache registry;
    private final Clock clock;
    private volatile SigningKeys keys;

    private final KeyEncryption masterKey;

    public KeyManager(TokenServiceConfig config, KeyEncryption masterKey, Mutiny.SessionFactory database, RegistryCache registry,
            Clock clock) {
        this.config = config;
        this.database = database;
        this.registry = registry;
        this.clock = clock;
        this.masterKey = masterKey;
    }

    /** Called once at start-up, off the event loop: there must be a usable key before we serve. */
    public void start() {
        TokenServiceConfig.Keys k = config.keys();
        KeyRepository repository = new KeyRepository(SigningKeyEntity.class, SigningKeyEntity::new, SigningKeyEntity.TABLE,
                database::withTransaction);
        keys = new SigningKeys(repository, k.algorithm(), k.rotationPeriod(), k.publishAhead(),
                k.refreshInterval(), masterKey,
                clock, () -> Duration.ofSeconds(registry.longestAccessTokenLifetime()).plus(config.clockSkew()));
        keys.refresh().await().atMost(Duration.ofSeconds(30));
        LOG.infof("signing keys: %d published, active %s", keys.publishedKeys().size(), keys.signingKey());
    }

    @Scheduled(every = "${ts.keys.refresh-interval:PT30S}", delayed = "${ts.keys.refresh-interval:PT30S}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledRefresh() {
        if (keys == null) {
            return;
        }
        try {
            keys.refresh().await().atMost(config.keys().refreshInterval());
        } catch (RuntimeException e) {
            // keep signing with the cached keys; the next round tries again
            LOG.warnf("signing keys not refreshed (%s); the cached keys stay in use", e.getMessage());
        }
    }

    public SigningKey signingKey() {
        return keys.signingKey();
    }

    public Optional<SigningKey> key(String kid) {
        return keys.key(kid);
    }

    public String jwksJson() {
        return keys.jwksJson();
    }

    public List<SigningKey> publishedKeys() {
        return keys.publishedKeys();
    }

    public KeyRepository repository() {
        return keys.repository();
    }
}
