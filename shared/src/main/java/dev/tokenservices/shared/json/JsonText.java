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
                    if (escaped(c)) {
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
            if (c == '"' || c == '\\' || escaped(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Control characters (C0, DEL and C1) and the two Unicode line separators, written as six-character
     * escapes (a backslash, u, four hex digits): RFC 8259 requires it of C0 only, but none of them should
     * reach a reader raw, be it a browser's JavaScript (U+2028, U+2029) or a log viewer that breaks lines
     * at NEL (U+0085).
     */
    private static boolean escaped(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
    }

    public static StringBuilder field(StringBuilder sb, String name, String value) {
        string(sb, name).append(':');
        return string(sb, value);
    }
}
