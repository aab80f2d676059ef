package dev.tokenservices.shared.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Refuses secrets that are examples: a value that contains {@code change-me} or {@code example}
 * (case-insensitive, also inside its base64 decoding, which is how a master key is written) was
 * copied from a README, a manifest or a sample file, so anyone can read it. Outside dev and test a
 * service stops at start-up on such a value, naming the setting; dev and test run with them.
 */
public final class ExampleSecrets {

    /** What marks a value as an example. */
    static final List<String> MARKERS = List.of("change-me", "example");

    /** The end of the message, after the name of the setting. */
    public static final String PROBLEM = "looks like an example value (it contains \"change-me\" or \"example\"); "
            + "outside dev and test only real secrets run: make one with openssl rand -base64 32";

    /** What a service outside dev and test does: refuse example values. */
    public static final ExampleSecrets REFUSED = new ExampleSecrets(true);
    /** Dev and test: example values run. */
    public static final ExampleSecrets ALLOWED = new ExampleSecrets(false);

    private final boolean refuse;

    private ExampleSecrets(boolean refuse) {
        this.refuse = refuse;
    }

    /** The rule for a launch mode: {@link #ALLOWED} in dev and test, {@link #REFUSED} otherwise. */
    public static ExampleSecrets forLaunchMode(boolean devOrTest) {
        return devOrTest ? ALLOWED : REFUSED;
    }

    /** Whether {@code value} would be refused here (never in dev and test). */
    public boolean refuses(String value) {
        return refuse && looksLikeExample(value);
    }

    /**
     * Stops start-up when the secret named {@code name} (its environment variable, or where it is
     * in a file) holds an example value. The value itself is never part of the message.
     *
     * @throws IllegalStateException naming the setting
     */
    public void check(String name, String value) {
        if (refuses(value)) {
            throw new IllegalStateException(name + " " + PROBLEM);
        }
    }

    /** The rule itself, whatever the mode. */
    public static boolean looksLikeExample(String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        return containsMarker(value) || containsMarker(base64Decoded(value));
    }

    private static boolean containsMarker(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        return MARKERS.stream().anyMatch(lower::contains);
    }

    /** The value's base64 (standard or URL-safe) decoding as Latin-1 text, or "" when it is not base64. */
    private static String base64Decoded(String value) {
        String trimmed = value.trim();
        try {
            byte[] bytes = trimmed.contains("-") || trimmed.contains("_")
                    ? Base64.getUrlDecoder().decode(trimmed) : Base64.getDecoder().decode(trimmed);
            return new String(bytes, StandardCharsets.ISO_8859_1);
        } catch (IllegalArgumentException notBase64) {
            return "";
        }
    }
}
