package dev.tokenservices.core.dpop;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * The form in which a proof's {@code htu} and an endpoint's URL are compared (RFC 9449 §4.3 step 9):
 * RFC 3986 §6.2.2 syntax-based normalisation (scheme and host in lower case, percent-encodings in
 * upper case and decoded where they stand for an unreserved character, dot segments removed) and §6.2.3
 * scheme-based normalisation (no default port, an empty path is {@code /}), without query and fragment.
 * Only absolute {@code http} and {@code https} URIs with a host and without user information have one.
 */
public final class HttpUris {

    private HttpUris() {
    }

    public static Optional<String> normalize(String uri) {
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getRawAuthority() == null || u.getHost() == null
                || u.getRawUserInfo() != null) {
            return Optional.empty();
        }
        int port = u.getPort();
        boolean defaultPort = port == -1 || scheme.equals("http") && port == 80 || scheme.equals("https") && port == 443;
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : removeDotSegments(percentEncodings(u.getRawPath()));
        return Optional.of(scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port) + path);
    }

    /**
     * RFC 3986 §6.2.2.2: hex digits in upper case; an encoded unreserved character decoded. The path is one
     * {@link URI} accepted, so every {@code %} is followed by two hex digits.
     */
    static String percentEncodings(String path) {
        StringBuilder sb = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                int value = Integer.parseInt(path.substring(i + 1, i + 3), 16);
                if (value < 0x80 && unreserved((char) value)) {
                    sb.append((char) value);
                } else {
                    sb.append('%').append(path.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
                }
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean unreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** RFC 3986 §5.2.4, for an absolute path. */
    static String removeDotSegments(String path) {
        StringBuilder in = new StringBuilder(path);
        StringBuilder out = new StringBuilder(path.length());
        while (in.length() > 0) {
            if (startsWith(in, "../")) {
                in.delete(0, 3);
            } else if (startsWith(in, "./")) {
                in.delete(0, 2);
            } else if (startsWith(in, "/./")) {
                in.delete(0, 2);
            } else if (in.toString().equals("/.")) {
                in.replace(0, 2, "/");
            } else if (startsWith(in, "/../")) {
                in.delete(0, 3);
                dropLastSegment(out);
            } else if (in.toString().equals("/..")) {
                in.replace(0, 3, "/");
                dropLastSegment(out);
            } else if (in.toString().equals(".") || in.toString().equals("..")) {
                in.setLength(0);
            } else {
                int next = in.indexOf("/", in.charAt(0) == '/' ? 1 : 0);
                int end = next < 0 ? in.length() : next;
                out.append(in, 0, end);
                in.delete(0, end);
            }
        }
        return out.toString();
    }

    private static boolean startsWith(StringBuilder sb, String prefix) {
        return sb.length() >= prefix.length() && sb.substring(0, prefix.length()).equals(prefix);
    }

    private static void dropLastSegment(StringBuilder out) {
        int last = out.lastIndexOf("/");
        out.setLength(Math.max(last, 0));
    }
}
