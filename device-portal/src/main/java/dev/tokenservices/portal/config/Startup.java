package dev.tokenservices.portal.config;

import dev.tokenservices.portal.registry.DeviceClients;
import dev.tokenservices.portal.usercode.DecisionMac;
import dev.tokenservices.portal.web.ClientAddresses;
import dev.tokenservices.shared.config.ExampleSecrets;
import io.quarkus.runtime.LaunchMode;
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
 * fail only at the first login), no secret may be an example value outside dev and test, the
 * registry must load, the trusted proxies must parse and the master key must be there (outside dev
 * and test). Each failure stops the portal with a message naming the setting.
 */
@ApplicationScoped
public class Startup {

    /** As the registry requires of every client secret. */
    static final int MIN_SECRET_LENGTH = 32;

    /** {@code addresses} and {@code decisions} check their settings when made: asked for here, so at start. */
    void onStart(@Observes StartupEvent event, DeviceClients clients, PortalConfig config, ClientAddresses addresses,
            DecisionMac decisions) {
        Optional<String> secret = ConfigProvider.getConfig().getOptionalValue("quarkus.oidc.credentials.secret", String.class);
        if (secret.isEmpty() || secret.get().isBlank()) {
            throw new IllegalStateException("DEVICE_PORTAL_SECRET is not set: the portal's client secret at the orchestrator "
                    + "(quarkus.oidc.credentials.secret) is required");
        }
        if (secret.get().length() < MIN_SECRET_LENGTH) {
            throw new IllegalStateException("DEVICE_PORTAL_SECRET (quarkus.oidc.credentials.secret) is shorter than "
                    + MIN_SECRET_LENGTH + " characters; use a high-entropy secret (e.g. openssl rand -base64 32)");
        }
        ExampleSecrets examples = ExampleSecrets.forLaunchMode(LaunchMode.current().isDevOrTest());
        examples.check("DEVICE_PORTAL_SECRET", secret.get());
        config.csrf().secret().ifPresent(csrf -> examples.check("PORTAL_CSRF_SECRET", csrf));
        ConfigProvider.getConfig().getOptionalValue("TS_KEY_ENCRYPTION_KEY", String.class)
                .ifPresent(key -> examples.check("TS_KEY_ENCRYPTION_KEY", key));
        clients.load();
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
