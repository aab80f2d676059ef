package dev.tokenservices.orchestrator.metrics;

import dev.tokenservices.shared.log.LogText;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The audit lines (logger {@code dev.tokenservices.audit}) of a completed login (who, through which
 * IdP, for which client) and of the interactions an API asked for on the way. Values from outside go
 * through {@link LogText}, so that none can forge a line or a field.
 */
@ApplicationScoped
public class LoginAudit {

    private static final Logger AUDIT = Logger.getLogger("dev.tokenservices.audit");

    void completed(@Observes LoginCompleted login) {
        // one string, not a format: formatting took most of a line's cost
        AUDIT.info("login completed: client_id=" + LogText.value(login.clientId()) + " idp=" + LogText.value(login.idp())
                + " subject=" + LogText.value(login.subject()));
    }

    void interaction(@Observes InteractionEvent event) {
        AUDIT.infof("interaction %s: client_id=%s idp=%s subject=%s resource=%s reason=%s", LogText.value(event.outcome()),
                LogText.value(event.clientId()), LogText.value(event.idp()), LogText.value(event.subject()),
                LogText.value(event.resource()), LogText.value(event.reason()));
    }
}
