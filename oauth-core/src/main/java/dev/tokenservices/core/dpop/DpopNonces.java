package dev.tokenservices.core.dpop;

import dev.tokenservices.shared.crypto.RecordSeal;
import java.time.Clock;
import java.time.Duration;

/**
 * Server nonces (RFC 9449 §8) that need no storage: a nonce is a time slot and the MAC of it under a
 * key derived from the master key ({@link #PURPOSE}), {@code <slot>.<base64url HMAC-SHA256>}. Every
 * instance with the same master key makes and accepts the same nonces. The current slot's nonce and
 * the previous slot's are accepted, so a client that just received a nonce can use it until the next
 * slot ends; anything else (an older slot, a future one, a wrong MAC) is refused.
 */
public final class DpopNonces {

    /** The purpose the nonce key is derived for from the master key ({@code KeyEncryption.recordSeal}). */
    public static final String PURPOSE = "dpop-nonce";
    /** Longer values are not nonces of ours (a slot number, a dot and a 43-character MAC). */
    private static final int MAX_LENGTH = 80;

    private final RecordSeal key;
    private final long slotMillis;
    private final Clock clock;

    public DpopNonces(RecordSeal key, Duration lifetime, Clock clock) {
        this.key = key;
        this.slotMillis = lifetime.toMillis();
        this.clock = clock;
    }

    /** The nonce of the current slot: what a {@code DPoP-Nonce} header hands out. */
    public String current() {
        return nonce(slot());
    }

    /** Whether {@code nonce} is the current slot's or the previous one's, MAC verified in constant time. */
    public boolean accepts(String nonce) {
        if (nonce == null || nonce.length() > MAX_LENGTH) {
            return false;
        }
        int dot = nonce.indexOf('.');
        if (dot < 1 || dot > 19) {
            return false;
        }
        for (int i = 0; i < dot; i++) {
            if (nonce.charAt(i) < '0' || nonce.charAt(i) > '9') {
                return false;
            }
        }
        long slot = Long.parseLong(nonce.substring(0, dot));
        long now = slot();
        return (slot == now || slot == now - 1) && key.verify(input(slot), nonce.substring(dot + 1));
    }

    private long slot() {
        return clock.millis() / slotMillis;
    }

    private String nonce(long slot) {
        return slot + "." + key.mac(input(slot));
    }

    private static String input(long slot) {
        return "dpop-nonce-v1\n" + slot;
    }
}
