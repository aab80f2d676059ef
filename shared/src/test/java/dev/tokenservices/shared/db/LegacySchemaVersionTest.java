package dev.tokenservices.shared.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LegacySchemaVersionTest {

    @Test
    void theVersionIsTheNumberOfTheRecordedScriptName() {
        assertEquals(3, LegacySchemaVersion.version("V3__refresh_families.sql"));
        assertEquals(12, LegacySchemaVersion.version("V12__later.sql"));
    }

    @Test
    void aRecordThatIsNoScriptNameStopsStartUpNamingIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LegacySchemaVersion.version("3"));
        assertTrue(e.getMessage().contains("records 3"), e.getMessage());
    }
}
