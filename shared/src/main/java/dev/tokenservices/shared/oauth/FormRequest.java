package dev.tokenservices.shared.oauth;

import dev.tokenservices.shared.oauth.OAuthException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OAuth request as received: the {@code application/x-www-form-urlencoded} body (RFC 6749
 * Appendix B) and the Authorization header. Parsed here rather than by the framework so that
 * duplicate parameters can be refused (RFC 6749 §3.2) and long subject tokens are accepted.
 *
 * @param readable the parameters that may be read, or null for all: a grant sees only those it
 *        declares, so that no other grant's parameter is used by mistake
 */
public record FormRequest(Map<String, List<String>> parameters, String authorization, Set<String> readable) {

    public FormRequest(Map<String, List<String>> parameters, String authorization) {
        this(parameters, authorization, null);
    }

    public static final String FORM = "application/x-www-form-urlencoded";

    /** Parameters that RFC 8707 and RFC 8693 allow more than once at a token endpoint. */
    public static final Set<String> RESOURCE_INDICATORS = Set.of("resource", "audience");

    /** Parses a request in which no parameter may appear twice. */
    public static FormRequest parse(String contentType, String body, String authorization) {
        return parse(contentType, body, authorization, Set.of());
    }

    /** @param repeatable the parameters allowed more than once */
    public static FormRequest parse(String contentType, String body, String authorization, Set<String> repeatable) {
        if (contentType == null || !mediaType(contentType).equals(FORM)) {
            throw OAuthException.invalidRequest("the request body must be application/x-www-form-urlencoded");
        }
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (body != null && !body.isEmpty()) {
            for (String pair : body.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                parameters.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
            }
        }
        for (Map.Entry<String, List<String>> p : parameters.entrySet()) {
            if (p.getValue().size() > 1 && !repeatable.contains(p.getKey())) {
                throw OAuthException.invalidRequest("parameter '" + printable(p.getKey()) + "' is included more than once");
            }
        }
        return new FormRequest(parameters, authorization);
    }

    /** The same request with only {@code names} readable. */
    public FormRequest only(Set<String> names) {
        return new FormRequest(parameters, authorization, names);
    }

    /** The single value of a parameter; an empty value counts as absent (RFC 6749 §3.1). */
    public String get(String name) {
        List<String> values = values(name);
        return values == null || values.get(0).isEmpty() ? null : values.get(0);
    }

    public String require(String name) {
        String value = get(name);
        if (value == null) {
            throw OAuthException.invalidRequest("parameter '" + name + "' is required");
        }
        return value;
    }

    public List<String> all(String name) {
        List<String> values = values(name);
        return values == null ? List.of() : values.stream().filter(v -> !v.isEmpty()).toList();
    }

    private List<String> values(String name) {
        if (readable != null && !readable.contains(name)) {
            throw new IllegalStateException("parameter '" + name + "' is read but not declared");
        }
        return parameters.get(name);
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(java.util.Locale.ROOT);
    }

    private static String decode(String value) {
        String decoded;
        try {
            // nothing escaped (client ids, tokens): the body reached us decoded from UTF-8 already
            decoded = value.indexOf('%') < 0 && value.indexOf('+') < 0 ? value : java.net.URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw OAuthException.invalidRequest("the request body is not valid form encoding");
        }
        // U+FFFD: a percent-encoded byte sequence that is not UTF-8, or raw bytes that were not (the
        // body reaches us already decoded, with U+FFFD for each bad sequence); no parameter needs it
        if (decoded.indexOf('\uFFFD') >= 0) {
            throw OAuthException.invalidRequest("the request body is not valid UTF-8");
        }
        return decoded;
    }

    /**
     * {@code value} as one name or value of an {@code application/x-www-form-urlencoded} body or query
     * (what {@link java.net.URLEncoder} writes, UTF-8). A value of letters, digits, {@code -}, {@code .}
     * and {@code _} only (client ids, codes, and the base64url parts of a JWT) is returned as it is,
     * without the encoder's per-character work.
     */
    public static String encode(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
                return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
            }
        }
        return value;
    }

    /** An {@code application/x-www-form-urlencoded} body of {@code form}'s names and values, in its order. */
    public static String body(Map<String, String> form) {
        StringBuilder body = new StringBuilder(256);
        form.forEach((name, value) -> (body.isEmpty() ? body : body.append('&')).append(encode(name)).append('=').append(encode(value)));
        return body.toString();
    }

    /** Names echoed in error descriptions are cut short and stripped to printable ASCII. */
    public static String printable(String value) {
        String cut = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
