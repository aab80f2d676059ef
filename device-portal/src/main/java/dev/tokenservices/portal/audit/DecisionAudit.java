package dev.tokenservices.portal.audit;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * What a device decision leaves behind: an audit line (logger {@code dev.tokenservices.audit}) and
 * {@code portal_decisions_total{decision,client_id}}.
 */
@ApplicationScoped
public class DecisionAudit {

    private static final Logger AUDIT = Logger.getLogger("dev.tokenservices.audit");

    private final MeterRegistry metrics;

    public DecisionAudit(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    void log(@Observes DeviceDecided decided) {
        AUDIT.infof("device request %s: client_id=%s subject=%s idp=%s", decided.decision().wire(), decided.clientId(),
                decided.subject(), decided.idp());
    }

    void count(@Observes DeviceDecided decided) {
        metrics.counter("portal_decisions_total", "decision", decided.decision().wire(), "client_id", decided.clientId())
                .increment();
    }
}
