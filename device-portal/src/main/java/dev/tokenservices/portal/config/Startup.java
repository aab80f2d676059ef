package dev.tokenservices.portal.config;

import dev.tokenservices.portal.interaction.PortalAuthorities;
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
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Start-up checks: the portal's client secret must be set (quarkus-oidc would otherwise start and
 * fail only at the first login), no secret may be an example value outside dev and test, the
 * registry must load, the trusted proxies must parse, the master key must be there (outside dev
 * and test) and an interaction ticket may live at most 10 minutes. Each failure stops the portal with a message naming the setting.
 */
@ApplicationScoped
public class Startup {

    /** As the registry requires of every client secret. */
    static final int MIN_SECRET_LENGTH = 32;
    /** ARCHITECTURE "What comes next": a ticket handed to an API's page lives at most 10 minutes. */
    static final Duration MAX_TICKET_LIFETIME = Duration.ofMinutes(10);

    /** {@code addresses}, {@code decisions} and {@code authorities} check their settings when made: asked for here, so at start. */
    void onStart(@Observes StartupEvent event, DeviceClients clients, PortalConfig config, ClientAddresses addresses,
            DecisionMac decisions, PortalAuthorities authorities) {
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
        if (config.interactionTicketLifetime().isNegative() || config.interactionTicketLifetime().isZero()
                || config.interactionTicketLifetime().compareTo(MAX_TICKET_LIFETIME) > 0) {
            throw new IllegalStateException("PORTAL_INTERACTION_TICKET_LIFETIME (portal.interaction-ticket-lifetime) must be "
                    + "more than zero and at most 10m; got " + config.interactionTicketLifetime());
        }
        clients.load();
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
