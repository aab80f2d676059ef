package dev.tokenservices.portal.web;

import dev.tokenservices.portal.usercode.PortalUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Failures as pages, never JSON or a stack trace: the store unreachable → 503; a request JAX-RS
 * refuses (wrong method, media type, malformed form) → its status; anything unexpected → a generic
 * page, logged here without request data.
 */
public class ErrorPages {

    private static final Logger LOG = Logger.getLogger(ErrorPages.class);

    @ServerExceptionMapper
    public Response unavailable(PortalUnavailableException e) {
        return Response.fromResponse(Html.problem(503, "Temporarily unavailable",
                "The service cannot be reached right now. Please try again in a moment.")).header("Retry-After", "5").build();
    }

    @ServerExceptionMapper
    public Response refused(WebApplicationException e) {
        int status = e.getResponse() == null ? 400 : e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        return Html.problem(status, "Request not accepted", "This page cannot handle that request. Start again from the code page.");
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.errorf("unexpected failure: %s", e.getClass().getName());
        LOG.debug("unexpected failure", e);
        return Html.problem(500, "Something went wrong", "Please try again in a moment.");
    }
}
