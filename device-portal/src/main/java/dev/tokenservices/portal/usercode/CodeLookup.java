package dev.tokenservices.portal.usercode;

import java.util.Optional;

/** What a typed user code turned out to be. */
public record CodeLookup(Outcome outcome, Optional<DeviceRequest> request) {

    public enum Outcome {
        /** Pending and not expired: the user may approve or deny it. */
        PENDING,
        /** Not a user code, or no record under it. Counts as a wrong code. */
        UNKNOWN,
        /** Its record exists but its lifetime has passed. */
        EXPIRED,
        /** Already approved, denied or consumed. */
        USED,
        /** Nothing was typed. Not counted. */
        EMPTY,
        /** Too many wrong codes from this browser session or IP in the current window (429). */
        TOO_MANY
    }

    static CodeLookup unknown() {
        return new CodeLookup(Outcome.UNKNOWN, Optional.empty());
    }

    static CodeLookup without(Outcome outcome) {
        return new CodeLookup(outcome, Optional.empty());
    }

    static CodeLookup of(Outcome outcome, DeviceRequest request) {
        return new CodeLookup(outcome, Optional.of(request));
    }

    public boolean isPending() {
        return outcome == Outcome.PENDING;
    }
}
