package dev.tokenservices.core.keys;

import dev.tokenservices.shared.jose.SigningKey;
import dev.tokenservices.shared.jose.SigningKeys;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * An authorization server's signing keys as a bean: loaded once at start-up (there must be a usable
 * key before the service serves), refreshed on the service's timer, read from memory by requests.
 * The token service and the orchestrator each extend it over their own table and settings.
 */
public abstract class IssuerKeys {

    private static final Logger LOG = Logger.getLogger(IssuerKeys.class);

    private volatile SigningKeys keys;

    /** What the log lines call these keys ("signing keys", "id_token signing keys"). */
    protected abstract String name();

    /** Called once at start-up, off the event loop. */
    protected void load(SigningKeys loaded) {
        loaded.refresh().await().atMost(Duration.ofSeconds(30));
        keys = loaded;
        LOG.infof("%s: %d published, active %s", name(), loaded.publishedKeys().size(), loaded.signingKey());
    }

    /**
     * Called by the service's timer, which subscribes on a Vert.x event loop (the scheduled method
     * returns this Uni): Hibernate Reactive runs only there. A failed refresh keeps signing with the
     * cached keys; the next round tries again.
     */
    protected Uni<Void> refreshOrKeep(Duration patience) {
        SigningKeys current = keys;
        if (current == null) {
            return Uni.createFrom().voidItem();
        }
        return current.refresh().ifNoItem().after(patience).fail()
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("%s not refreshed (%s); the cached keys stay in use", name(), e.getMessage());
                    return null;
                });
    }

    public SigningKey signingKey() {
        return keys.signingKey();
    }

    public Optional<SigningKey> key(String kid) {
        return keys.key(kid);
    }

    public String jwksJson() {
        return keys.jwksJson();
    }

    public List<SigningKey> publishedKeys() {
        return keys.publishedKeys();
    }

    protected SigningKeys keys() {
        return keys;
    }
}
