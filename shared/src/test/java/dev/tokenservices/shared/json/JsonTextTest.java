package dev.tokenservices.shared.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Hand-written JSON strings must read back exactly, through an independent parser. */
class JsonTextTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void plainAndEscapedStringsReadBackUnchanged() throws Exception {
        for (String value : new String[] {"", "eyJhbGciOiJFUzI1NiJ9.e30.sig", "https://api.example/r1?x=1&y=2",
                "quote \" and backslash \\", "line\nbreak\r\ttab", "\u0000\u0001\u001f control", "sep \u2028 \u2029 end",
                "naïve ünïcødé ☃ 𝄞", "</script>", "del \u007f nel \u0085 c1 \u009f"}) {
            String written = JsonText.string(new StringBuilder(), value).toString();
            assertEquals(value, JSON.readValue(written, String.class), "round trip of " + written);
        }
        assertEquals("\"a\\\"b\"", JsonText.string(new StringBuilder(), "a\"b").toString());
        assertEquals("\"\\u2028\"", JsonText.string(new StringBuilder(), "\u2028").toString());
        assertEquals("\"\\u007f\\u0085\"", JsonText.string(new StringBuilder(), "\u007f\u0085").toString(),
                "DEL and C1 controls (NEL breaks lines in some log viewers) are escaped too");
        assertEquals("\"k\":\"v\"", JsonText.field(new StringBuilder(), "k", "v").toString());
    }
}
