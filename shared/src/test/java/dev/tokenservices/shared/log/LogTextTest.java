package dev.tokenservices.shared.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void aWordOfVisibleAsciiIsWrittenAsItIs() {
        assertEquals("248289761001", LogText.value("248289761001"));
        assertEquals("https://idp.example/realms/a?x=1", LogText.value("https://idp.example/realms/a?x=1"));
        assertEquals("null", LogText.value(null));
        assertEquals("api.read api.write", LogText.words(List.of("api.read", "api.write")));
        assertEquals("", LogText.words(List.of()));
    }

    @Test
    void aValueThatCouldForgeALineOrAFieldIsQuotedAndEscaped() {
        String forged = "alice\n2026-12-08 01:00:00,000 INFO  [dev.tokenservices.audit] login completed: subject=admin";
        String written = LogText.value(forged);
        assertFalse(written.contains("\n"), written);
        assertEquals("\"alice\\n2026-12-08 01:00:00,000 INFO  [dev.tokenservices.audit] login completed: subject=admin\"",
                written);
        assertEquals("\"bob outcome=grant\"", LogText.value("bob outcome=grant"));
        assertEquals("\"a\\\"b\\\\c\\r\\t\\u0000\\u001b\\u0085\\u2028\\u2029\"",
                LogText.value("a\"b\\c\r\t\u0000\u001b\u0085\u2028\u2029"));
        assertEquals("\"José\"", LogText.value("José"));
        assertEquals("", LogText.value(""));
        assertEquals("\"api.read evil\\nline\"", LogText.words(List.of("api.read", "evil\nline")));
    }
}
