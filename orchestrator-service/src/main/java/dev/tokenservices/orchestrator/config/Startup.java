package dev.tokenservices.orchestrator.config;

import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.db.SchemaMigrator;
import dev.tokenservices.shared.jose.CryptoProvider;
import dev.tokenservices.shared.jose.KeyEncryption;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Start-up in a fixed order: no example secret outside dev and test, native crypto, the
 * orchestrator's own schema, the registry file, the signing keys. Any failure stops the service
 * with its message.
 */
@ApplicationScoped
public class Startup {

    static final List<String> MIGRATIONS = List.of("V1__orchestrator_keys.sql");

    void onStart(@Observes @Priority(1) StartupEvent event, Pool pool, Clients clients, IdTokenKeys keys,
            OrchestratorConfig config) {
        ExampleSecrets examples = ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest());
        config.keyEncryptionKey().ifPresent(key -> examples.check("TS_KEY_ENCRYPTION_KEY", key));
        config.tokenService().clientSecret().ifPresent(secret -> examples.check("ORCHESTRATOR_SECRET", secret));
        config.demo().clientSecret().ifPresent(secret -> examples.check("DEMO_APP_SECRET", secret));
        CryptoProvider.install();
        if (config.codeLifetime().toSeconds() > 60 || config.codeLifetime().isZero()) {
            throw new IllegalStateException("orchestrator.code-lifetime must be between 1 s and 60 s, is " + config.codeLifetime());
        }
        new SchemaMigrator(pool, "orchestrator_schema_version", "db/orchestrator", MIGRATIONS).migrate();
        clients.start();
        keys.start();
    }

    /**
     * The master key, resolved once for every use (signing keys at rest, Redis records, login and
     * logout cookies): in dev and test the built-in development key, said once in the log.
     */
    @Produces
    @Singleton
    KeyEncryption masterKey(OrchestratorConfig config) {
        return KeyEncryption.forService(config.keyEncryptionKey(), LaunchMode.current().isDevOrTest());
    }
}
