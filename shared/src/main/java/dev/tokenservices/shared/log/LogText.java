package dev.tokenservices.shared.log;

import dev.tokenservices.shared.json.JsonText;
import java.util.Collection;

/**
 * Values from outside (a subject an IdP chose, a reason an authority wrote, a client's scope) as they go
 * into a plain-text log line of the form {@code key=value key=value}. A value that is one word of visible
 * ASCII is written as it is, so the usual line reads as before; any other value is written as a JSON
 * string literal ({@link JsonText}: {@code "}, {@code \} and every control or line-separating character
 * escaped). No value can then end the line and forge another, or pass for another field of its own line.
 * JSON logs escape their fields themselves and do not need this.
 */
public final class LogText {

    private LogText() {
    }

    /** The value as one field of a log line: itself when it is a word of visible ASCII, else quoted. */
    public static String value(Object value) {
        String text = String.valueOf(value);
        return isWord(text) ? text : quoted(text);
    }

    /** A list of values as one field: space-separated words as they are, quoted as a whole otherwise. */
    public static String words(Collection<String> values) {
        for (String value : values) {
            if (!isWord(value)) {
                return quoted(String.join(" ", values));
            }
        }
        return String.join(" ", values);
    }

    private static boolean isWord(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static String quoted(String text) {
        return JsonText.string(new StringBuilder(text.length() + 8), text).toString();
    }
}
