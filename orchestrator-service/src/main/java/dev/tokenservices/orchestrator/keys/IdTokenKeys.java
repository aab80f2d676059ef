package dev.tokenservices.orchestrator.keys;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.core.keys.IssuerKeys;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.jose.KeyRepository;
import dev.tokenservices.shared.jose.SigningKey;
import dev.tokenservices.shared.jose.SigningKeys;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The orchestrator's signing keys (table {@code orchestrator_signing_key}), managed exactly like the
 * token service's: rotated under an advisory lock, refreshed on a timer, read from memory. One key
 * family per algorithm a client may register as {@code id_token_signed_response_alg} (OIDC Core §15.1
 * requires RS256, the default; ES256 and EdDSA on request), always all three: each is announced in
 * /jwks before it signs, whatever the registry says at that moment, so a client switching algorithm
 * never waits for a key. The orchestrator's own access tokens (/userinfo) are signed by the family of
 * {@code orchestrator.keys.algorithm}.
 */
@ApplicationScoped
public class IdTokenKeys extends IssuerKeys {

    /** The id_token algorithms, in the order discovery and /jwks list them: RS256, the default, first. */
    public static final List<KeyAlgorithm> ID_TOKEN_ALGORITHMS = List.of(KeyAlgorithm.RS256, KeyAlgorithm.ES256, KeyAlgorithm.EdDSA);

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
        load(ID_TOKEN_ALGORITHMS.stream().map(algorithm -> new SigningKeys(repository.family(algorithm), algorithm,
                k.rotationPeriod(), k.publishAhead(), k.refreshInterval(), masterKey, clock, () -> retention))
                .toArray(SigningKeys[]::new));
    }

    /** The key that signs the orchestrator's own access tokens now. */
    public SigningKey accessTokenKey() {
        return signingKey(config.keys().algorithm());
    }

    @Override
    protected String name() {
        return "orchestrator signing keys";
    }

    @Scheduled(every = "${orchestrator.keys.refresh-interval:PT30S}", delayed = "${orchestrator.keys.refresh-interval:PT30S}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledRefresh() {
        return refreshOrKeep(config.keys().refreshInterval());
    }
}
