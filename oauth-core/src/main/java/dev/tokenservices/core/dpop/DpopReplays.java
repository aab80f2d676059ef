package dev.tokenservices.core.dpop;

import io.smallrye.mutiny.Uni;
import java.time.Duration;

/** Where the proofs' {@code jti} are remembered while their proofs could still be accepted (RFC 9449 §11.1). */
@FunctionalInterface
public interface DpopReplays {

    /**
     * Records a proof id; false when it was recorded before (a replay). Of concurrent calls with one id,
     * exactly one is true.
     *
     * @param id  a SHA-256 of the proof's key and {@code jti}, hex: nothing of the proof in clear
     * @param ttl how long to remember it
     */
    Uni<Boolean> firstUse(String id, Duration ttl);
}
