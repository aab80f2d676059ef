package dev.tokenservices.shared.json;

/** Writes JSON strings by hand where the shape is fixed and speed matters (token claims, responses). */
public final class JsonText {

    private JsonText() {
    }

    /** Appends {@code value} as a JSON string literal (RFC 8259 §7). */
    public static StringBuilder string(StringBuilder sb, String value) {
        sb.append('"');
        if (plain(value)) { // tokens, URLs, ids: nothing to escape, copied at once
            return sb.append(value).append('"');
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    private static boolean plain(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c == 0x2028 || c == 0x2029) {
                return false;
            }
        }
        return true;
    }

    public static StringBuilder field(StringBuilder sb, String name, String value) {
        string(sb, name).append(':');
        return string(sb, value);
    }
}
