package dev.tokenservices.portal.usercode;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A person entering a user code (RFC 8628 §3.3): refused outright while over the wrong-code limit,
 * else looked up, and counted when it is wrong (§5.1). Every place that accepts a code goes through
 * here, so no path lets guesses past the limit.
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
     * @param ip the client's IP address
     */
    public Uni<CodeLookup> enter(String typed, String session, String ip) {
        if (typed == null || typed.isBlank()) {
            return Uni.createFrom().item(CodeLookup.without(CodeLookup.Outcome.EMPTY));
        }
        return limiter.isBlocked(session, ip).chain(blocked -> blocked
                ? Uni.createFrom().item(tooMany())
                : requests.lookup(typed).chain(lookup -> lookup.outcome() == CodeLookup.Outcome.UNKNOWN
                        ? countWrong(lookup, session, ip)
                        : Uni.createFrom().item(lookup)));
    }

    private Uni<CodeLookup> countWrong(CodeLookup lookup, String session, String ip) {
        metrics.counter("portal_wrong_codes_total").increment();
        return limiter.recordWrongCode(session, ip).map(over -> over ? tooMany() : lookup);
    }

    private CodeLookup tooMany() {
        metrics.counter("portal_rate_limited_total").increment();
        return CodeLookup.without(CodeLookup.Outcome.TOO_MANY);
    }
}
