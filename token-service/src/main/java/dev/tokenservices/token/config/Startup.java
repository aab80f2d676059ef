package dev.tokenservices.token.config;

import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.db.SchemaMigrator;
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
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Start-up in a fixed order: no example secret outside dev and test, native crypto (so every key
 * and signature uses it), then the schema, the registry and the signing keys. Any failure stops the
 * service with its message.
 */
@ApplicationScoped
public class Startup {

    /** The token service's schema; a released script is never edited, only followed by a new one. */
    static final List<String> MIGRATIONS = List.of("V1__registry_and_keys.sql", "V2__refresh_tokens.sql",
            "V3__refresh_families.sql", "V4__registry_from_file.sql");

    void onStart(@Observes @Priority(1) StartupEvent event, Pool pool, RegistryCache registry, KeyManager keys,
            TokenServiceConfig config) {
        config.keyEncryptionKey().ifPresent(key ->
                ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest()).check("TS_KEY_ENCRYPTION_KEY", key));
        CryptoProvider.install();
        new SchemaMigrator(pool, "schema_version", "db/migration", MIGRATIONS).migrate();
        registry.start();
        keys.start();
    }

    /** The master key, resolved once for every use (signing keys at rest, device-decision MACs). */
    @Produces
    @Singleton
    KeyEncryption masterKey(TokenServiceConfig config) {
        return KeyEncryption.forService(config.keyEncryptionKey(), LaunchMode.current().isDevOrTest());
    }
}
