package dev.tokenservices.portal.audit;

import dev.tokenservices.core.authority.InteractionMetrics;
import dev.tokenservices.shared.log.LogText;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * What a device decision leaves behind: an audit line (logger {@code dev.tokenservices.audit}) and
 * {@code portal_decisions_total{decision,client_id}}; and what a user did at the page of an API that
 * asked for an interaction: an audit line and {@code interactions_total{resource,reason,outcome}}
 * ({@link InteractionMetrics}, the counter the token service and the orchestrator keep too). Values from
 * outside go through {@link LogText}, so that none can forge a line or a field.
 */
@ApplicationScoped
public class DecisionAudit {

    private static final Logger AUDIT = Logger.getLogger("dev.tokenservices.audit");

    private final MeterRegistry metrics;

    public DecisionAudit(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    void log(@Observes DeviceDecided decided) {
        AUDIT.infof("device request %s: client_id=%s subject=%s idp=%s", decided.decision().wire(),
                LogText.value(decided.clientId()), LogText.value(decided.subject()), LogText.value(decided.idp()));
    }

    void count(@Observes DeviceDecided decided) {
        metrics.counter("portal_decisions_total", "decision", decided.decision().wire(), "client_id", decided.clientId())
                .increment();
    }

    void log(@Observes InteractionReturned returned) {
        AUDIT.infof("interaction %s: resource=%s reason=%s subject=%s idp=%s", LogText.value(returned.outcome()),
                LogText.value(returned.resource()), LogText.value(returned.reason()), LogText.value(returned.subject()),
                LogText.value(returned.idp()));
    }

    void count(@Observes InteractionReturned returned) {
        InteractionMetrics.count(metrics, returned.resource(), returned.reason(), returned.outcome());
    }
}
