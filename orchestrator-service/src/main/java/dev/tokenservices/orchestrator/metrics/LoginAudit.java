package dev.tokenservices.orchestrator.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The audit lines (logger {@code dev.tokenservices.audit}) of a completed login (who, through which
 * IdP, for which client) and of the interactions an API asked for on the way.
 */
@ApplicationScoped
public class LoginAudit {

    private static final Logger AUDIT = Logger.getLogger("dev.tokenservices.audit");

    void completed(@Observes LoginCompleted login) {
        AUDIT.infof("login completed: client_id=%s idp=%s subject=%s", login.clientId(), login.idp(), login.subject());
    }

    void interaction(@Observes InteractionEvent event) {
        AUDIT.infof("interaction %s: client_id=%s idp=%s subject=%s resource=%s reason=%s", event.outcome(), event.clientId(),
                event.idp(), event.subject(), event.resource(), event.reason());
    }
}
