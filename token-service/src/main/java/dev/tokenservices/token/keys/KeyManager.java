package dev.tokenservices.token.keys;

import dev.tokenservices.core.keys.IssuerKeys;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.jose.KeyRepository;
import dev.tokenservices.shared.jose.SigningKeys;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.registry.RegistryCache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;
import java.time.Clock;
import java.time.Duration;

/**
 * The token service's signing keys (table {@code signing_key}), refreshed and rotated on a timer.
 * Requests read only memory.
 */
@ApplicationScoped
public class KeyManager extends IssuerKeys {

    private final TokenServiceConfig config;
    private final Mutiny.SessionFactory database;
    private final RegistryCache registry;
    private final KeyEncryption masterKey;
    private final Clock clock;

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
        // a retired key stays published as long as an access token it signed is valid
        load(new SigningKeys(repository, k.algorithm(), k.rotationPeriod(), k.publishAhead(), k.refreshInterval(), masterKey,
                clock, () -> Duration.ofSeconds(registry.longestAccessTokenLifetime()).plus(config.clockSkew())));
    }

    @Override
    protected String name() {
        return "signing keys";
    }

    @Scheduled(every = "${ts.keys.refresh-interval:PT30S}", delayed = "${ts.keys.refresh-interval:PT30S}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledRefresh() {
        return refreshOrKeep(config.keys().refreshInterval());
    }

    public KeyRepository repository() {
        return keys().repository();
    }
}
