package dev.tokenservices.core.guard;

import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A call to a dependency (Redis, PostgreSQL, another service, an issuer's keys) that does not answer
 * in time, or fails, becomes {@code 503 temporarily_unavailable} (RFC 6749 §5.2 via §4.1.2.1): the
 * client may try again, and nothing of the failure reaches it. An {@link OAuthException} raised on
 * the way (a refusal decided from what the dependency answered) passes through unchanged.
 */
public final class DependencyGuard {

    private static final Logger LOG = Logger.getLogger(DependencyGuard.class);

    private final String dependency;
    private final Duration timeout;
    private final String description;

    /**
     * @param dependency what is called, for the log
     * @param timeout how long an answer may take
     * @param description the {@code error_description} the client reads
     */
    public DependencyGuard(String dependency, Duration timeout, String description) {
        this.dependency = dependency;
        this.timeout = timeout;
        this.description = description;
    }

    public <T> Uni<T> call(Uni<T> operation) {
        return operation.ifNoItem().after(timeout).fail()
                .onFailure(e -> !(e instanceof OAuthException)).transform(e -> {
                    LOG.warnf("%s is not answering: %s", dependency, e.toString());
                    return OAuthException.temporarilyUnavailable(description);
                });
    }
}
