package dev.tokenservices.orchestrator.keys;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.core.keys.IssuerKeys;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.jose.KeyRepository;
import dev.tokenservices.shared.jose.SigningKeys;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;
import java.time.Clock;
import java.time.Duration;

/**
 * The orchestrator's id_token signing keys (table {@code orchestrator_signing_key}), managed exactly
 * like the token service's: rotated under an advisory lock, refreshed on a timer, read from memory.
 */
@ApplicationScoped
public class IdTokenKeys extends IssuerKeys {

    private final OrchestratorConfig config;
    private final Mutiny.SessionFactory database;
    private final KeyEncryption masterKey;
    private final Clock clock;

    public IdTokenKeys(OrchestratorConfig config, KeyEncryption masterKey, Mutiny.SessionFactory database, Clock clock) {
        this.config = config;
        this.masterKey = masterKey;
        this.database = database;
        this.clock = clock;
    }

    public void start() {
        OrchestratorConfig.Keys k = config.keys();
        // a retired key stays published as long as an id_token it signed can be presented (id_token_hint at logout)
        Duration retention = config.idTokenLifetime().plus(config.refreshTokenLifetime()).plus(config.clockSkew());
        KeyRepository repository = new KeyRepository(IdTokenKeyEntity.class, IdTokenKeyEntity::new, IdTokenKeyEntity.TABLE,
                database::withTransaction);
        load(new SigningKeys(repository, k.algorithm(), k.rotationPeriod(), k.publishAhead(), k.refreshInterval(), masterKey,
                clock, () -> retention));
    }

    @Override
    protected String name() {
        return "id_token signing keys";
    }

    @Scheduled(every = "${orchestrator.keys.refresh-interval:PT30S}", delayed = "${orchestrator.keys.refresh-interval:PT30S}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledRefresh() {
        return refreshOrKeep(config.keys().refreshInterval());
    }
}
