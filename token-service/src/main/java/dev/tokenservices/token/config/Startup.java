package dev.tokenservices.token.config;

import dev.tokenservices.token.db.SchemaMigrator;
import dev.tokenservices.token.keys.CryptoProvider;
import dev.tokenservices.token.keys.KeyManager;
import dev.tokenservices.token.registry.RegistryCache;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Start-up in a fixed order: native crypto first (so every key and signature uses it), then the
 * schema, the registry and the signing keys. Any failure stops the service with its message.
 */
@ApplicationScoped
public class Startup {

    void onStart(@Observes @Priority(1) StartupEvent event, SchemaMigrator migrator, RegistryCache registry, KeyManager keys) {
        CryptoProvider.install();
        migrator.migrate();
        registry.start();
        keys.start();
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
