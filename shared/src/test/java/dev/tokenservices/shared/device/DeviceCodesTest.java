package dev.tokenservices.shared.device;

import dev.tokenservices.shared.crypto.Hashes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeviceCodesTest {

    @Test
    void caseSpacesAndDashesDoNotMatter() {
        assertEquals(Optional.of("BCDF-GHJK"), DeviceCodes.normalize("bcdf-ghjk"));
        assertEquals(Optional.of("BCDF-GHJK"), DeviceCodes.normalize(" BC DF GH JK "));
        assertEquals(Optional.of("BCDF-GHJK"), DeviceCodes.normalize("bcdfghjk"));
        assertTrue(DeviceCodes.USER_CODE.matcher(DeviceCodes.normalize("bcdfghjk").orElseThrow()).matches());
    }

    @Test
    void anythingElseIsNotAUserCode() {
        assertEquals(Optional.empty(), DeviceCodes.normalize("ABCD-EFGH"), "vowels are not in the alphabet");
        assertEquals(Optional.empty(), DeviceCodes.normalize("BCDF-GHJ"));
        assertEquals(Optional.empty(), DeviceCodes.normalize("BCDF-GHJKL"));
        assertEquals(Optional.empty(), DeviceCodes.normalize("<script>"));
        assertEquals(Optional.empty(), DeviceCodes.normalize(null));
        assertEquals(Optional.empty(), DeviceCodes.normalize("B".repeat(1000)));
    }

    private static final byte[] SECRET = new byte[32];

    @Test
    void recordsAreKeyedByTheHashOfTheDeviceCodeNeverTheCode() {
        String deviceCode = DeviceCodes.deviceCode("BCDF-GHJK", SECRET);
        String key = DeviceCodes.recordKey(deviceCode).orElseThrow();
        assertFalse(key.contains(deviceCode.substring(5)));
        assertEquals("ts:device:{" + DeviceCodes.hashTag("BCDF-GHJK") + "}:" + Hashes.sha256Hex(deviceCode), key);
    }

    @Test
    void theDeviceCodeCarriesTheHashTagOfItsUserCode() {
        String deviceCode = DeviceCodes.deviceCode("BCDF-GHJK", SECRET);
        assertEquals(Hashes.sha256Hex("BCDF-GHJK").substring(0, 4) + "." + "A".repeat(43), deviceCode);
        assertTrue(DeviceCodes.recordKey(deviceCode).isPresent());
        assertEquals("ts:device-user:{" + DeviceCodes.hashTag("BCDF-GHJK") + "}:BCDF-GHJK", DeviceCodes.userCodeKey("BCDF-GHJK"));
    }

    @Test
    void recordAndIndexShareOneClusterSlot() {
        assertEquals(12182, slot("foo"), "the slot function agrees with Redis' CLUSTER KEYSLOT");
        assertEquals(12182, slot("bar{foo}"));
        for (String userCode : List.of("BCDF-GHJK", "ZZZZ-ZZZZ", "QRST-VWXZ", "MNPQ-BCDF")) {
            String record = DeviceCodes.recordKey(DeviceCodes.deviceCode(userCode, SECRET)).orElseThrow();
            assertEquals(slot(DeviceCodes.userCodeKey(userCode)), slot(record), userCode);
        }
        // and different user codes spread over the slots
        assertNotEquals(slot(DeviceCodes.userCodeKey("BCDF-GHJK")), slot(DeviceCodes.userCodeKey("ZZZZ-ZZZZ")));
    }

    @Test
    void malformedDeviceCodesHaveNoRecordKey() {
        String good = DeviceCodes.deviceCode("BCDF-GHJK", SECRET);
        for (String bad : Arrays.asList(null, "", "no-such-code", good.substring(5), good + "A", good.substring(0, good.length() - 1),
                good.replace('.', ':'), "ABCD" + good.substring(4), good + "\n", "}{ab." + "A".repeat(43))) {
            assertEquals(Optional.empty(), DeviceCodes.recordKey(bad), String.valueOf(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> DeviceCodes.deviceCode("BCDF-GHJK", new byte[16]));
    }

    /** Redis Cluster's key slot (cluster spec: CRC16/XMODEM of the hash tag, or of the key without one, mod 16384). */
    static int slot(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                key = key.substring(open + 1, close);
            }
        }
        int crc = 0;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return (crc & 0xffff) % 16384;
    }

    @Test
    void theDecisionMacInputTellsEveryValueApart() {
        String one = DeviceCodes.decisionMacInput("ts:device:{abcd}:ff", "tv-app", "media.play", "approved", "ann", "https://idp",
                "{}", "100");
        assertEquals(one, DeviceCodes.decisionMacInput("ts:device:{abcd}:ff", "tv-app", "media.play", "approved", "ann",
                "https://idp", "{}", "100"));
        // a value's end moved into the next value is another input (lengths are part of it)
        assertNotEquals(one, DeviceCodes.decisionMacInput("ts:device:{abcd}:ff", "tv-app", "media.play", "approved", "an",
                "nhttps://idp", "{}", "100"));
        assertNotEquals(one, DeviceCodes.decisionMacInput("ts:device:{abcd}:fe", "tv-app", "media.play", "approved", "ann",
                "https://idp", "{}", "100"), "another record");
        assertNotEquals(one, DeviceCodes.decisionMacInput("ts:device:{abcd}:ff", "tv-app", "media.play", "denied", "ann",
                "https://idp", "{}", "100"), "another decision");
        assertEquals(DeviceCodes.decisionMacInput("k", null, "", "s", "", "", "", ""),
                DeviceCodes.decisionMacInput("k", "", null, "s", null, null, null, null), "null counts as empty");
    }

    @Test
    void theStatesAreStoredAsTheValuesThePortalAndTheTokenServiceAgreeOn() {
        assertEquals(List.of("pending", "approved", "denied", "consumed"),
                Arrays.stream(DeviceCodes.State.values()).map(DeviceCodes.State::wire).toList());
        assertEquals(Optional.of(DeviceCodes.State.DENIED), DeviceCodes.State.of("denied"));
        assertEquals(Optional.empty(), DeviceCodes.State.of("APPROVED"), "a value we do not write names no state");
        assertEquals(Optional.empty(), DeviceCodes.State.of(null));
    }

    @Test
    void aPendingCodeIsDecidedOnceAndAnApprovalConsumedOnce() {
        DeviceCodes.State pending = DeviceCodes.State.PENDING;
        assertEquals(DeviceCodes.State.APPROVED, pending.moveTo(DeviceCodes.State.APPROVED));
        assertEquals(DeviceCodes.State.DENIED, pending.moveTo(DeviceCodes.State.DENIED));
        assertFalse(pending.mayMoveTo(DeviceCodes.State.CONSUMED), "only an approval is consumed");
        assertEquals(DeviceCodes.State.CONSUMED, DeviceCodes.State.APPROVED.moveTo(DeviceCodes.State.CONSUMED));
        assertFalse(DeviceCodes.State.APPROVED.mayMoveTo(DeviceCodes.State.DENIED), "a decision is not changed");
        for (DeviceCodes.State any : DeviceCodes.State.values()) {
            assertFalse(DeviceCodes.State.DENIED.mayMoveTo(any), "a denial is final");
        }
        assertTrue(DeviceCodes.State.CONSUMED.mayMoveTo(DeviceCodes.State.APPROVED), "put back when issuing failed for a passing reason");
        assertFalse(DeviceCodes.State.CONSUMED.mayMoveTo(DeviceCodes.State.PENDING));
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> DeviceCodes.State.DENIED.moveTo(DeviceCodes.State.APPROVED));
        assertEquals("a device code does not move from denied to approved", refused.getMessage());
    }

    @Test
    void theScriptsAreWrittenFromTheStates() {
        assertTrue(DeviceCodes.DECIDE_SCRIPT.contains("'status') ~= 'pending' then return 0"));
        assertTrue(DeviceCodes.POLL_SCRIPT.contains("if r[1] == 'approved' then"));
        assertTrue(DeviceCodes.POLL_SCRIPT.contains("redis.call('HSET', KEYS[1], 'status', 'consumed')"));
        assertTrue(DeviceCodes.POLL_SCRIPT.contains("return 'unknown'") && DeviceCodes.POLL_SCRIPT.contains("return 'slow_down'")
                && DeviceCodes.POLL_SCRIPT.contains("return 'expired'") && DeviceCodes.POLL_SCRIPT.contains("return 'dpop_key'"));
        assertFalse(DeviceCodes.POLL_SCRIPT.contains("%"), "every placeholder filled");
    }
}
