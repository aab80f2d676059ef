package dev.tokenservices.token.config;

import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.db.LegacySchemaVersion;
import dev.tokenservices.shared.jose.CryptoProvider;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.token.keys.KeyManager;
import dev.tokenservices.token.registry.RegistryCache;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.inject.Singleton;

/**
 * Start-up in a fixed order: no example secret outside dev and test, native crypto (so every key
 * and signature uses it), then the registry and the signing keys; Flyway has migrated the schema
 * before. Any failure stops the service with its message.
 */
@ApplicationScoped
public class Startup {

    void onStart(@Observes @Priority(1) StartupEvent event, RegistryCache registry, KeyManager keys,
            TokenServiceConfig config) {
        config.keyEncryptionKey().ifPresent(key ->
                ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()).check("TS_KEY_ENCRYPTION_KEY", key));
        CryptoProvider.install();
        registry.start();
        keys.start();
    }

    /** The master key, resolved once for every use (signing keys at rest, device-decision MACs). */
    @Produces
    @Singleton
    KeyEncryption masterKey(TokenServiceConfig config) {
        return KeyEncryption.forService(config.keyEncryptionKey(), LaunchMode.current().isDevOrTest());
    }

    /**
     * Flyway migrates db/migration at start (application.properties). A database this service migrated
     * itself before Flyway keeps its history: Flyway starts from the scripts schema_version records.
     */
    @Produces
    @Singleton
    FlywayConfigurationCustomizer continueLegacyHistory() {
        return flyway -> flyway.baselineOnMigrate(true)
                .baselineVersion(LegacySchemaVersion.baseline(flyway.getDataSource(), "schema_version"));
    }
}
