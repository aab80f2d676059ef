package dev.tokenservices.shared.oauth;

import dev.tokenservices.shared.json.JsonText;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * OAuth errors as HTTP, the same in every service: RFC 6749 §5.2 JSON ({@code error},
 * {@code error_description}) with {@code Cache-Control: no-store}; {@code invalid_client} on 401
 * with {@code WWW-Authenticate}; the headers an error names (a DPoP nonce); the framework's own 4xx answers in the same shape; anything
 * unexpected a bare {@code server_error}, never a class name, message or stack trace.
 */
public final class OAuthResponses {

    private OAuthResponses() {
    }

    /** @param realm the {@code WWW-Authenticate} realm of a 401 */
    public static Response oauth(OAuthException e, String realm) {
        Response.ResponseBuilder response = e.members().isEmpty() ? error(e.status(), e.error(), e.description())
                : error(e.status(), e.error(), e.description(), e.members());
        if (e.status() == 401) {
            response.header("WWW-Authenticate", "Basic realm=\"" + realm + "\", error=\"" + e.error() + "\"");
        }
        e.headers().forEach(response::header);
        return response.build();
    }

    /** A 4xx of the framework (404, 405, 415…) as {@code invalid_request}, keeping {@code Allow}; a 5xx as unexpected. */
    public static Response framework(WebApplicationException e, Logger log) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e, log);
        }
        Response.ResponseBuilder response = error(status, OAuthErrors.INVALID_REQUEST, reason(status));
        e.getResponse().getHeaders().forEach((name, values) -> {
            if (name.equalsIgnoreCase("Allow")) {
                values.forEach(v -> response.header(name, v));
            }
        });
        return response.build();
    }

    /** The class name is logged (the stack trace at DEBUG); the client learns nothing. */
    public static Response unexpected(Throwable e, Logger log) {
        log.errorf("unexpected failure: %s", e.getClass().getName());
        log.debug("unexpected failure", e);
        return error(500, OAuthErrors.SERVER_ERROR, "the server could not handle the request").build();
    }

    public static Response.ResponseBuilder error(int status, String error, String description) {
        return error(status, error, description, Map.of());
    }

    /** @param members more members, name → JSON value */
    public static Response.ResponseBuilder error(int status, String error, String description, Map<String, String> members) {
        StringBuilder json = new StringBuilder(96).append('{');
        JsonText.field(json, "error", error);
        if (description != null) {
            JsonText.field(json.append(','), "error_description", description);
        }
        members.forEach((name, value) -> JsonText.string(json.append(','), name).append(':').append(value));
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(json.append('}').toString())
                .header("Cache-Control", "no-store").header("Pragma", "no-cache");
    }

    private static String reason(int status) {
        return switch (status) {
            case 404 -> "no such endpoint";
            case 405 -> "this endpoint does not accept that HTTP method";
            case 406 -> "this endpoint answers application/json only";
            case 413 -> "the request body is too large";
            case 415 -> "the request body must be application/x-www-form-urlencoded";
            default -> "the request is malformed";
        };
    }
}
