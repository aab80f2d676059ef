package dev.tokenservices.orchestrator.web;

import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Where errors become HTTP. OAuth errors: RFC 6749 §5.2 JSON with {@code Cache-Control: no-store}
 * and, for {@code invalid_client}, 401 with {@code WWW-Authenticate}. Browser-facing errors: an HTML
 * page. Anything unexpected: a bare {@code server_error}, never a class name or stack trace.
 */
public class ExceptionMappers {

    private static final Logger LOG = Logger.getLogger(ExceptionMappers.class);

    private final Pages pages;

    public ExceptionMappers(Pages pages) {
        this.pages = pages;
    }

    @ServerExceptionMapper
    public Response oauth(OAuthException e) {
        Response.ResponseBuilder response = error(e.status(), e.error(), e.description());
        if (e.status() == 401) {
            response.header("WWW-Authenticate", "Basic realm=\"orchestrator\", error=\"" + e.error() + "\"");
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response page(PageException e) {
        return pages.error(e.status(), e.title(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        Response.ResponseBuilder response = error(status, OAuthErrors.INVALID_REQUEST, switch (status) {
            case 404 -> "no such endpoint";
            case 405 -> "this endpoint does not accept that HTTP method";
            case 413 -> "the request body is too large";
            case 415 -> "the request body must be application/x-www-form-urlencoded";
            default -> "the request is malformed";
        });
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
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        if (description != null) {
            body.put("error_description", description);
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(body))
                .header("Cache-Control", "no-store").header("Pragma", "no-cache");
    }
}
