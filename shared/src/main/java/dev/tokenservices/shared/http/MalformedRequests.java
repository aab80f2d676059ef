package dev.tokenservices.shared.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Request targets to refuse before anything decodes them, and a way to send the refusal from a Vert.x
 * route. Left to the framework, a target that {@link URI} cannot parse (a {@code %} not followed by two
 * hex digits, RFC 3986 §2.1; a raw {@code "} or {@code |}…) is refused by Quarkus before any route,
 * and a request line over Vert.x' limit by the HTTP codec: both with an empty 400/414 that browsers
 * show as their own error page. Quarkus' check can only be switched off with the JVM system property
 * {@code vertx.disableURIValidation=true} (which the launchers set); each service then makes the same
 * check in a route ahead of every other and answers in its own words (a page or RFC 6749 §5.2 JSON).
 *
 * A {@code Content-Length} over the body limit, which Quarkus answers with an empty 413, is refused
 * here too.
 *
 * <p>The check is on the hot path of every request and costs what Quarkus' own did: a length
 * comparison, one {@link URI} parse and one header lookup; the {@code %}s are only looked at to
 * describe a refusal.
 */
public final class MalformedRequests {

    /**
     * Longest request target (path and query, RFC 9112 §3.2) a service reads: 16 KiB, as much as the
     * headers may take and as the ingress passes ({@code large-client-header-buffers 4 16k}); room for
     * an {@code id_token_hint} with group claims. Vert.x' request-line limit
     * ({@code quarkus.http.limits.max-initial-line-length}) is set above it, so that a longer target
     * reaches this check and gets a body; only a request line beyond that limit gets Vert.x' empty 414.
     */
    public static final int MAX_TARGET_LENGTH = 16 * 1024;

    /** Why a request target is refused: the HTTP status and a description for the client developer. */
    public enum Refusal {
        TOO_LONG(414, "the request URI is longer than " + MAX_TARGET_LENGTH + " characters"),
        BAD_ENCODING(400, "the request URI has a '%' that is not followed by two hexadecimal digits"),
        BAD_CHARACTER(400, "the request URI has a character that must be percent-encoded (RFC 3986 section 2)"),
        BODY_TOO_LARGE(413, "the request body is too large");

        private final int status;
        private final String description;

        Refusal(int status, String description) {
            this.status = status;
            this.description = description;
        }

        public int status() {
            return status;
        }

        public String description() {
            return description;
        }
    }

    private MalformedRequests() {
    }

    /**
     * @param maxBodySize {@code quarkus.http.limits.max-body-size}: a {@code Content-Length} over it is
     *                    refused here, as Quarkus would refuse it a few routes later with an empty 413
     * @return why the request is refused, or null to go on
     */
    public static Refusal check(HttpServerRequest request, long maxBodySize) {
        Refusal refusal = checkTarget(request.uri());
        if (refusal != null) {
            return refusal;
        }
        String length = request.getHeader("Content-Length");
        try {
            return length != null && Long.parseLong(length.trim()) > maxBodySize ? Refusal.BODY_TOO_LARGE : null;
        } catch (NumberFormatException e) {
            return null; // Vert.x' codec refuses it before any route
        }
    }

    /** @return why the request target (as sent, e.g. {@code /authorize?x=%zz}) is refused, or null to go on */
    public static Refusal checkTarget(String target) {
        if (target.length() > MAX_TARGET_LENGTH) {
            return Refusal.TOO_LONG;
        }
        try {
            new URI(target);
            return null;
        } catch (URISyntaxException e) {
            return hasBadEscape(target) ? Refusal.BAD_ENCODING : Refusal.BAD_CHARACTER;
        }
    }

    private static boolean hasBadEscape(String target) {
        for (int i = target.indexOf('%'); i >= 0; i = target.indexOf('%', i + 3)) {
            if (i + 2 >= target.length() || !isHex(target.charAt(i + 1)) || !isHex(target.charAt(i + 2))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * Sends a response built with JAX-RS (a page, an OAuth error) from a Vert.x route, where no JAX-RS
     * writer runs: its status, headers, content type and text entity.
     */
    public static void send(HttpServerResponse out, Response response) {
        out.setStatusCode(response.getStatus());
        response.getStringHeaders().forEach((name, values) -> out.headers().set(name, values));
        MediaType type = response.getMediaType();
        if (type != null) {
            out.headers().set("Content-Type", type.toString());
        }
        Object entity = response.getEntity();
        out.end(entity == null ? "" : entity.toString());
    }
}
