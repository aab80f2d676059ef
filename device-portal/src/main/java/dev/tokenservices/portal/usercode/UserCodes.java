package dev.tokenservices.portal.usercode;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A person entering a user code (RFC 8628 §3.3, §5.1): every attempt first reserves a try with the
 * {@link WrongCodeLimiter} (refused → 429, no lookup), then the code is looked up; a code that names a
 * record gives its try back, a wrong one keeps it counted. Every place that accepts a code goes
 * through here, so no path lets guesses past the limit, parallel ones included.
 */
@ApplicationScoped
public class UserCodes {

    private final DeviceRequests requests;
    private final WrongCodeLimiter limiter;
    private final MeterRegistry metrics;

    public UserCodes(DeviceRequests requests, WrongCodeLimiter limiter, MeterRegistry metrics) {
        this.requests = requests;
        this.limiter = limiter;
        this.metrics = metrics;
    }

    /**
     * @param typed what the person typed (any case, spaces, dashes)
     * @param session the browser session (its CSRF cookie value)
     * @param address the client's address (see {@code ClientAddresses})
     */
    public Uni<CodeLookup> enter(String typed, String session, String address) {
        if (typed == null || typed.isBlank()) {
            return Uni.createFrom().item(CodeLookup.without(CodeLookup.Outcome.EMPTY));
        }
        return limiter.reserve(session, address).chain(allowed -> allowed
                ? requests.lookup(typed).call(lookup -> settle(lookup, session, address))
                : Uni.createFrom().item(tooMany()));
    }

    /** A wrong code keeps its try; one that names a record (pending, expired or used) gives it back. */
    private Uni<Void> settle(CodeLookup lookup, String session, String address) {
        if (lookup.outcome() == CodeLookup.Outcome.UNKNOWN) {
            metrics.counter("portal_wrong_codes_total").increment();
            return Uni.createFrom().voidItem();
        }
        return limiter.refund(session, address);
    }

    private CodeLookup tooMany() {
        metrics.counter("portal_rate_limited_total").increment();
        return CodeLookup.without(CodeLookup.Outcome.TOO_MANY);
    }
}
