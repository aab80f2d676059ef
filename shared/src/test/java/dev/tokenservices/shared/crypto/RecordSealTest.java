package dev.tokenservices.shared.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.shared.jose.KeyEncryption;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecordSealTest {

    private static final KeyEncryption MASTER = KeyEncryption.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
    private final RecordSeal sessions = MASTER.recordSeal("session");

    @Test
    void aSealedValueOpensOnlyUnderItsKeyPurposeAndAssociatedData() {
        String sealed = sessions.seal("orch:session:abc", "{\"sub\":\"ann\"}");
        assertFalse(sealed.contains("ann"), "the plaintext does not show through");
        assertEquals(Optional.of("{\"sub\":\"ann\"}"), sessions.open("orch:session:abc", sealed));
        assertEquals(Optional.empty(), sessions.open("orch:session:other", sealed), "moved to another key");
        assertEquals(Optional.empty(), MASTER.recordSeal("code").open("orch:session:abc", sealed), "another purpose");
        byte[] other = new byte[32];
        other[0] = 1;
        KeyEncryption otherMaster = KeyEncryption.fromBase64(Base64.getEncoder().encodeToString(other));
        assertEquals(Optional.empty(), otherMaster.recordSeal("session").open("orch:session:abc", sealed), "another master key");
    }

    @Test
    void anAlteredOrForgedValueDoesNotOpen() {
        String sealed = sessions.seal("k", "value");
        char[] chars = sealed.toCharArray();
        chars[chars.length - 3] = chars[chars.length - 3] == 'A' ? 'B' : 'A';
        assertEquals(Optional.empty(), sessions.open("k", new String(chars)));
        assertEquals(Optional.empty(), sessions.open("k", "{\"sub\":\"mallory\"}"));
        assertEquals(Optional.empty(), sessions.open("k", null));
        assertEquals(Optional.empty(), sessions.open("k", ""));
    }

    @Test
    void oneThreadSealingAndOpeningInTurnGetsEachRecordBackWithItsOwnNonce() throws Exception {
        // the thread's cipher is initialised anew for every record: a refused record leaves nothing behind
        java.util.Set<String> nonces = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            String sealed = sessions.seal("k" + i, "value " + i);
            assertTrue(nonces.add(sealed.substring(0, 16)), "a fresh nonce for every record");
            assertEquals(Optional.empty(), sessions.open("other", sealed));
            assertEquals(Optional.of("value " + i), sessions.open("k" + i, sealed));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> all = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        String value = thread + ":" + i;
                        if (!sessions.open(value, sessions.seal(value, value)).equals(Optional.of(value))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (java.util.concurrent.Future<Boolean> one : all) {
                assertTrue(one.get(), "each thread opens what it sealed");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void macsVerifyOnlyTheirData() {
        String mac = sessions.mac("approved|ann");
        assertTrue(sessions.verify("approved|ann", mac));
        assertFalse(sessions.verify("approved|mallory", mac));
        assertFalse(sessions.verify("approved|ann", null));
        assertFalse(MASTER.recordSeal("device").verify("approved|ann", mac));
    }
}
