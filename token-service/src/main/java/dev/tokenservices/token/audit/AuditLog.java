package dev.tokenservices.token.audit;

import dev.tokenservices.core.authority.ScopeDecided;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The audit trail, logger {@code dev.tokenservices.audit}: one line per scope-authority decision (INFO,
 * WARN when a call failed in transport), with MDC fields {@code event}, {@code resource},
 * {@code client_id}, {@code subject}, {@code idp}, {@code outcome}, {@code duration_ms} (and
 * {@code cause}, {@code interaction_reason} when an authority asks for an interaction) for JSON logs. Tokens issued and refused at {@code /token} are DEBUG lines, off unless
 * that level is enabled for the logger: client_credentials must stay cheap. No token, code or secret
 * is ever logged.
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger AUDIT = Logger.getLogger("dev.tokenservices.audit");
    private static final String[] MDC_KEYS = {"event", "resource", "client_id", "subject", "idp", "outcome", "duration_ms", "cause", "interaction_reason"};

    void scopeDecided(@Observes ScopeDecided decided) {
        Logger.Level level = decided.cause() == null ? Logger.Level.INFO : Logger.Level.WARN;
        if (!AUDIT.isEnabled(level)) {
            return;
        }
        long micros = decided.micros();
        String duration = (micros / 1000) + "." + (micros / 100 % 10);
        String outcome = decided.outcome();
        MDC.put("event", "scope_authority_decision");
        MDC.put("resource", decided.resource());
        MDC.put("client_id", decided.clientId());
        MDC.put("subject", decided.subject());
        MDC.put("idp", decided.idp());
        MDC.put("outcome", outcome);
        MDC.put("duration_ms", duration);
        StringBuilder line = new StringBuilder(256).append("scope authority decision resource=").append(decided.resource())
                .append(" client_id=").append(decided.clientId())
                .append(" sub=").append(decided.subject())
                .append(" idp=").append(decided.idp())
                .append(" requested=").append(String.join(" ", decided.requested()))
                .append(" outcome=").append(outcome)
                .append(" granted=").append(String.join(" ", decided.granted()))
                .append(" duration_ms=").append(duration);
        decided.interaction().ifPresent(i -> {
            MDC.put("interaction_reason", i.reason());
            line.append(" interaction_reason=").append(i.reason()).append(" interaction_url=").append(i.url());
        });
        if (decided.cause() != null) {
            MDC.put("cause", decided.cause());
            line.append(" cause=").append(decided.cause());
        }
        try {
            AUDIT.log(level, line);
        } finally {
            for (String key : MDC_KEYS) {
                MDC.remove(key);
            }
        }
    }

    void tokenIssued(@Observes TokenIssued issued) {
        if (AUDIT.isDebugEnabled()) {
            AUDIT.debugf("token issued grant_type=%s client_id=%s", issued.grantType(), issued.clientId());
        }
    }

    void tokenRejected(@Observes TokenRejected rejected) {
        if (AUDIT.isDebugEnabled()) {
            AUDIT.debugf("token refused grant_type=%s error=%s", rejected.grantType(), rejected.error());
        }
    }
}
