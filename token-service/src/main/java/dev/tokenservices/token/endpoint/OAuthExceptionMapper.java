package dev.tokenservices.token.endpoint;

import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.token.issuance.JsonText;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place OAuth errors become HTTP: RFC 6749 §5.2 JSON, {@code Cache-Control: no-store},
 * and for {@code invalid_client} a 401 with {@code WWW-Authenticate}. Anything unexpected becomes a
 * bare {@code server_error}: no exception class, message or stack trace reaches the client.
 */
public class OAuthExceptionMapper {

    private static final Logger LOG = Logger.getLogger(OAuthExceptionMapper.class);

    @ServerExceptionMapper
    public Response oauth(OAuthException e) {
        Response.ResponseBuilder response = error(e.status(), e.error(), e.description());
        if (e.status() == 401) {
            response.header("WWW-Authenticate", "Basic realm=\"tokenservices\", error=\"" + e.error() + "\"");
        }
        return response.build();
    }

    /** The framework's own 4xx answers (405, 415, 404…) in the same JSON shape. */
    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        Response.ResponseBuilder response = error(status, OAuthErrors.INVALID_REQUEST, reason(status));
        e.getResponse().getHeaders().forEach((name, values) -> {
            if (name.equalsIgnoreCase("Allow")) {
                values.forEach(v -> response.header(name, v));
            }
        });
        return response.build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.errorf("unexpected failure: %s", e.getClass().getName());
        LOG.debug("unexpected failure", e);
        return error(500, OAuthErrors.SERVER_ERROR, "the server could not handle the request").build();
    }

    public static Response.ResponseBuilder error(int status, String error, String description) {
        StringBuilder json = new StringBuilder(96).append('{');
        JsonText.field(json, "error", error);
        if (description != null) {
            JsonText.field(json.append(','), "error_description", description);
        }
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
