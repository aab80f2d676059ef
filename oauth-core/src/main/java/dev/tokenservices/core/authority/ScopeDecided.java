package dev.tokenservices.core.authority;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A scope authority decided, or failed to (in the token service a CDI event, observed synchronously by
 * the audit log and the metrics).
 *
 * @param decision    {@code accept}, {@code reject}, {@code modify}, {@code interaction_required}, or
 *                    {@code failure}
 * @param interaction for {@code interaction_required} with scopes left waiting, what the user is asked to do
 * @param reason      for a failure: {@code timeout}, {@code unreachable}, {@code status_<code>},
 *                    {@code bad_response}, {@code too_large}, {@code circuit_open} or {@code overloaded};
 *                    else null
 * @param consequence for a failure: what it led to, {@code drop}, {@code deny} or {@code unavailable}; else null
 * @param cause       the underlying error's message for a transport failure (never a token), else null
 * @param micros      how long the decision took
 */
public record ScopeDecided(String resource, String clientId, String subject, String idp, List<String> requested,
        String decision, Collection<String> granted, Optional<Interaction> interaction, String reason, String consequence, String cause, long micros) {

    public static final String FAILURE = "failure";

    public boolean failed() {
        return FAILURE.equals(decision);
    }

    /** The outcome as the audit line names it: the decision, or {@code failure:<reason>:<consequence>}. */
    public String outcome() {
        return failed() ? FAILURE + ":" + reason + ":" + consequence : decision;
    }
}
