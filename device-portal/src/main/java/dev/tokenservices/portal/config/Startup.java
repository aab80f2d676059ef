package dev.tokenservices.portal.config;

import dev.tokenservices.portal.registry.DeviceClients;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Start-up checks: the portal's client secret must be set (quarkus-oidc would otherwise start and
 * fail only at the first login), and the registry must load. Either failure stops the portal with
 * a message naming the setting.
 */
@ApplicationScoped
public class Startup {

    /** As the registry requires of every client secret. */
    static final int MIN_SECRET_LENGTH = 32;

    void onStart(@Observes StartupEvent event, DeviceClients clients) {
        Optional<String> secret = ConfigProvider.getConfig().getOptionalValue("quarkus.oidc.credentials.secret", String.class);
        if (secret.isEmpty() || secret.get().isBlank()) {
            throw new IllegalStateException("DEVICE_PORTAL_SECRET is not set: the portal's client secret at the orchestrator "
                    + "(quarkus.oidc.credentials.secret) is required");
        }
        if (secret.get().length() < MIN_SECRET_LENGTH) {
            throw new IllegalStateException("DEVICE_PORTAL_SECRET (quarkus.oidc.credentials.secret) is shorter than "
                    + MIN_SECRET_LENGTH + " characters; use a high-entropy secret (e.g. openssl rand -base64 32)");
        }
        clients.load();
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
