package dev.tokenservices.orchestrator.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** The audit line of a completed login (logger {@code dev.tokenservices.audit}): who, through which IdP, for which client. */
@ApplicationScoped
public class LoginAudit {

    private static final Logger AUDIT = Logger.getLogger("dev.tokenservices.audit");

    void completed(@Observes LoginCompleted login) {
        AUDIT.infof("login completed: client_id=%s idp=%s subject=%s", login.clientId(), login.idp(), login.subject());
    }
}
