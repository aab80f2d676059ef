package dev.tokenservices.core.authority;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a scope authority asks the user to do before it grants the rest of a resource's scopes (the
 * {@code interaction} of an {@code interaction_required} answer): a page at {@code url}, a
 * machine-readable {@code reason} and a {@code message} for the user. Only ever shown or redirected to,
 * never fetched by us.
 *
 * <p>Everything here comes from an authority and ends up in front of a user or a client, so it is
 * bounded and checked before it is believed: {@code url} absolute, https (http only on
 * {@code localhost}, {@code 127.0.0.1}, {@code [::1]}), without user info or fragment (a ticket and
 * {@code return_to} are added to its query); {@code reason} a short token; {@code message} plain text
 * without control or bidirectional-override characters. An answer that breaks one of these is a
 * failure of the authority, handled by its resource's {@code on_failure}.
 */
public record Interaction(String url, String reason, String message) {

    public static final int MAX_URL = 2048;
    public static final int MAX_REASON = 64;
    public static final int MAX_MESSAGE = 512;

    private static final Pattern REASON = Pattern.compile("^[A-Za-z0-9._:-]{1," + MAX_REASON + "}$");
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

    /** The {@code interaction} object of an answer; empty when it is absent or breaks a rule above. */
    public static Optional<Interaction> parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        JsonNode url = node.get("url");
        JsonNode reason = node.get("reason");
        JsonNode message = node.get("message");
        if (url == null || !url.isTextual() || reason == null || !reason.isTextual() || message == null
                || !message.isTextual()) {
            return Optional.empty();
        }
        Interaction interaction = new Interaction(url.asText(), reason.asText(), message.asText());
        return interaction.valid() ? Optional.of(interaction) : Optional.empty();
    }

    /**
     * Where to send the user: {@code url} with {@code ticket} and {@code return_to} added to its query
     * (a valid {@code url} has no fragment), each form-encoded.
     */
    public String link(String ticket, String returnTo) {
        return link(url, ticket, returnTo);
    }

    /** {@code url} (valid: no fragment) with {@code ticket} and {@code return_to} added to its query. */
    public static String link(String url, String ticket, String returnTo) {
        String separator = url.indexOf('?') < 0 ? "?" : url.endsWith("?") || url.endsWith("&") ? "" : "&";
        return url + separator + "ticket=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8)
                + "&return_to=" + URLEncoder.encode(returnTo, StandardCharsets.UTF_8);
    }

    /** Whether all three fields keep the rules (also for an interaction read back from a token response). */
    public boolean valid() {
        return validUrl(url) && reason != null && REASON.matcher(reason).matches() && validMessage(message);
    }

    /** An absolute https URL, or http on a loopback name; no user info, no fragment, no control characters. */
    public static boolean validUrl(String url) {
        if (url == null || url.isEmpty() || url.length() > MAX_URL || !printableAscii(url)) {
            return false;
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return false;
        }
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getRawUserInfo() != null || uri.getRawFragment() != null
                || uri.getHost() == null || uri.getHost().isEmpty()) {
            return false;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return scheme.equals("https") || scheme.equals("http") && LOOPBACK.contains(host);
    }

    private static boolean validMessage(String message) {
        if (message == null || message.isBlank() || message.length() > MAX_MESSAGE) {
            return false;
        }
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            // control characters, and the bidirectional overrides and isolates that can make text read backwards
            if (Character.isISOControl(c) || c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069') {
                return false;
            }
        }
        return true;
    }

    private static boolean printableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
