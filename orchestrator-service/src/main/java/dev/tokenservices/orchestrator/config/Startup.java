package dev.tokenservices.orchestrator.config;

import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.db.LegacySchemaVersion;
import dev.tokenservices.shared.jose.CryptoProvider;
import dev.tokenservices.shared.jose.KeyEncryption;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Start-up in a fixed order: no example secret outside dev and test, native crypto (named by
 * {@code ts_crypto_provider_info}), the registry
 * file, the signing keys; Flyway has migrated the orchestrator's schema before. Any failure stops
 * the service with its message.
 */
@ApplicationScoped
public class Startup {

    void onStart(@Observes @Priority(1) StartupEvent event, Clients clients, IdTokenKeys keys,
            OrchestratorConfig config, MeterRegistry meters) {
        ExampleSecrets examples = ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest());
        config.keyEncryptionKey().ifPresent(key -> examples.check("TS_KEY_ENCRYPTION_KEY", key));
        config.tokenService().clientSecret().ifPresent(secret -> examples.check("ORCHESTRATOR_SECRET", secret));
        config.demo().clientSecret().ifPresent(secret -> examples.check("DEMO_APP_SECRET", secret));
        CryptoProvider.install();
        Gauge.builder("ts.crypto.provider.info", () -> 1)
                .description("The JCA provider that signs tokens (native AWS-LC or the JDK), and why")
                .tag("provider", CryptoProvider.active())
                .tag("reason", CryptoProvider.reason())
                .register(meters);
        if (config.codeLifetime().toSeconds() > 60 || config.codeLifetime().isZero()) {
            throw new IllegalStateException("orchestrator.code-lifetime must be between 1 s and 60 s, is " + config.codeLifetime());
        }
        if (config.interactionTicketLifetime().toSeconds() > 600 || config.interactionTicketLifetime().toSeconds() < 1) {
            throw new IllegalStateException("orchestrator.interaction-ticket-lifetime must be between 1 s and 10 min, is "
                    + config.interactionTicketLifetime());
        }
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

    /**
     * Flyway migrates db/orchestrator at start (application.properties). A database this service migrated
     * itself before Flyway keeps its history: Flyway starts from the scripts orchestrator_schema_version records.
     */
    @Produces
    @Singleton
    FlywayConfigurationCustomizer continueLegacyHistory() {
        return flyway -> flyway.baselineOnMigrate(true)
                .baselineVersion(LegacySchemaVersion.baseline(flyway.getDataSource(), "orchestrator_schema_version"));
    }

}
