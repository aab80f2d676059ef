package dev.tokenservices.shared.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void recordsAreKeyedByTheHashOfTheDeviceCodeNeverTheCode() {
        String key = DeviceCodes.recordKey("secret-device-code");
        assertTrue(!key.contains("secret-device-code"));
        assertEquals("ts:device:{" + DeviceCodes.sha256Hex("secret-device-code") + "}", key);
    }
}
