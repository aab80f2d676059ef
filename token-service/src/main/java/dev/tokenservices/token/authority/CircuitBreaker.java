package dev.tokenservices.token.authority;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One authority's circuit: after {@code threshold} consecutive failures it opens and answers
 * "failed" at once for {@code openFor}; then one trial call is let through (half-open), whose
 * outcome closes or re-opens it. A dead authority then costs its callers nothing.
 */
public final class CircuitBreaker {

    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final Duration openFor;
    private final Clock clock;
    private int consecutiveFailures;
    private Instant openedAt;
    private boolean trialInFlight;

    public CircuitBreaker(int threshold, Duration openFor, Clock clock) {
        this.threshold = threshold;
        this.openFor = openFor;
        this.clock = clock;
    }

    /** Whether a call may go out now; a true answer in half-open state reserves the one trial. */
    public synchronized boolean tryAcquire() {
        if (openedAt == null) {
            return true;
        }
        if (clock.instant().isBefore(openedAt.plus(openFor)) || trialInFlight) {
            return false;
        }
        trialInFlight = true;
        return true;
    }

    public synchronized void onSuccess() {
        consecutiveFailures = 0;
        openedAt = null;
        trialInFlight = false;
    }

    public synchronized void onFailure() {
        consecutiveFailures++;
        if (trialInFlight || consecutiveFailures >= threshold) {
            openedAt = clock.instant();
        }
        trialInFlight = false;
    }

    /** The call that {@link #tryAcquire()} allowed never went out: neither success nor failure. */
    public synchronized void release() {
        trialInFlight = false;
    }

    public synchronized State state() {
        if (openedAt == null) {
            return State.CLOSED;
        }
        return clock.instant().isBefore(openedAt.plus(openFor)) ? State.OPEN : State.HALF_OPEN;
    }
}
