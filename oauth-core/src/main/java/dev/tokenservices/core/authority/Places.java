package dev.tokenservices.core.authority;

import java.util.ArrayDeque;

/**
 * One authority's bulkhead: at most {@code limit} calls in flight across the service, at most
 * {@code maxWaiting} more waiting for a place, in arrival order; past that a call is refused. A waiting
 * call can be {@link #withdraw withdrawn} (its deadline passed): it frees its waiting slot at once and is
 * never started, so a call that only waited is never sent and never judged by the authority's circuit.
 *
 * <p>Ours rather than Fault Tolerance's: there the bulkhead sits inside the circuit breaker, so a call
 * whose deadline passed while it waited still entered the circuit and counted as the authority's
 * failure (a flood could open a healthy authority's circuit), and it kept its waiting slot until a place
 * freed.
 */
final class Places {

    enum Entry {
        /** a place was free and is the caller's: start the call */
        STARTED,
        /** every place is taken: the call waits, and is {@link Waiter#granted granted} a place later */
        WAITING,
        /** every place is taken and so is every waiting slot: the call is not made */
        REFUSED
    }

    /**
     * A call that waits. {@link #granted} runs at most once, on the thread that freed the place, inside
     * the end of another call: it should start its call later, on its own thread, not inline (a chain of
     * calls failing at once would otherwise nest one release in the next).
     */
    interface Waiter {
        void granted();
    }

    private final int limit;
    private final int maxWaiting;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private int inFlight; // guarded by this, as is waiting

    Places(int limit, int maxWaiting) {
        this.limit = limit;
        this.maxWaiting = maxWaiting;
    }

    /** Takes a free place for the caller, or queues {@code waiter} for one, or refuses it. */
    synchronized Entry enter(Waiter waiter) {
        if (inFlight < limit) {
            inFlight++;
            return Entry.STARTED;
        }
        if (waiting.size() >= maxWaiting) {
            return Entry.REFUSED;
        }
        waiting.addLast(waiter);
        return Entry.WAITING;
    }

    /**
     * Takes {@code waiter} out of the queue; false when it is not there (it was granted its place, or
     * never waited). Linear in the queue, which only a flood fills.
     */
    synchronized boolean withdraw(Waiter waiter) {
        return waiting.removeFirstOccurrence(waiter);
    }

    /** Ends a call that held a place: the place goes to the longest waiting call, if any. */
    void release() {
        Waiter next;
        synchronized (this) {
            next = waiting.pollFirst();
            if (next == null) {
                inFlight--;
            }
        }
        if (next != null) {
            next.granted();
        }
    }
}
