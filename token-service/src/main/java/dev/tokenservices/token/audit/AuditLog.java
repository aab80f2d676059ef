package dev.tokenservices.token.audit;

import dev.tokenservices.core.authority.ScopeDecided;
import dev.tokenservices.shared.log.LogText;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.logging.Level;
import org.jboss.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/**
 * The audit trail, logger {@code dev.tokenservices.audit}: one line per scope-authority decision (INFO,
 * WARN when a call failed in transport), with MDC fields {@code event}, {@code resource},
 * {@code client_id}, {@code subject}, {@code idp}, {@code outcome}, {@code duration_ms} (and
 * {@code cause}, {@code interaction_reason} when an authority asks for an interaction) for JSON logs. Tokens issued and refused at {@code /token} are DEBUG lines, off unless
 * that level is enabled for the logger: client_credentials must stay cheap. No token, code or secret
 * is ever logged. Values from outside go into the text of a line through {@link LogText}, so that none can
 * forge a line or a field.
 */
@ApplicationScoped
public class AuditLog {

    private static final String NAME = "dev.tokenservices.audit";
    private static final org.jboss.logmanager.Logger LINES = org.jboss.logmanager.Logger.getLogger(NAME);
    private static final Logger AUDIT = Logger.getLogger(NAME);

    void scopeDecided(@Observes ScopeDecided decided) {
        Level level = decided.cause() == null ? Level.INFO : Level.WARNING;
        if (!LINES.isLoggable(level)) {
            return;
        }
        long micros = decided.micros();
        String duration = (micros / 1000) + "." + (micros / 100 % 10);
        String outcome = decided.outcome();
        // the resource, client, IdP and scopes are the registry's (granted scopes are among those requested);
        // the subject, and what an authority wrote, come from outside and go through LogText
        StringBuilder line = new StringBuilder(256).append("scope authority decision resource=").append(decided.resource())
                .append(" client_id=").append(decided.clientId())
                .append(" sub=").append(LogText.value(decided.subject()))
                .append(" idp=").append(decided.idp())
                .append(" requested=").append(String.join(" ", decided.requested()))
                .append(" outcome=").append(outcome)
                .append(" granted=").append(String.join(" ", decided.granted()))
                .append(" duration_ms=").append(duration);
        decided.interaction().ifPresent(i -> line.append(" interaction_reason=").append(LogText.value(i.reason()))
                .append(" interaction_url=").append(LogText.value(i.url())));
        if (decided.cause() != null) {
            line.append(" cause=").append(LogText.value(decided.cause()));
        }
        // the fields go on this line's record, over a copy of the request's MDC: the MDC itself (a map in the
        // request's Vert.x context) is not written, which was 3 % of a token exchange's Java samples
        ExtLogRecord record = new ExtLogRecord(level, line.toString(), ExtLogRecord.FormatStyle.NO_FORMAT, AuditLog.class.getName());
        record.putMdc("event", "scope_authority_decision");
        record.putMdc("resource", decided.resource());
        record.putMdc("client_id", decided.clientId());
        record.putMdc("subject", decided.subject());
        record.putMdc("idp", decided.idp());
        record.putMdc("outcome", outcome);
        record.putMdc("duration_ms", duration);
        decided.interaction().ifPresent(i -> record.putMdc("interaction_reason", i.reason()));
        if (decided.cause() != null) {
            record.putMdc("cause", decided.cause());
        }
        LINES.logRaw(record);
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
