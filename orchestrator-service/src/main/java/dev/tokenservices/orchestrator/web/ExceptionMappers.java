package dev.tokenservices.orchestrator.web;

import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.oauth.OAuthResponses;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Where errors become HTTP. OAuth errors and anything unexpected as {@link OAuthResponses} writes
 * them in every service; browser-facing errors as an HTML page.
 */
public class ExceptionMappers {

    private static final Logger LOG = Logger.getLogger(ExceptionMappers.class);

    private final Pages pages;

    public ExceptionMappers(Pages pages) {
        this.pages = pages;
    }

    @ServerExceptionMapper
    public Response oauth(OAuthException e) {
        return OAuthResponses.oauth(e, "orchestrator");
    }

    @ServerExceptionMapper
    public Response page(PageException e) {
        return pages.error(e.status(), e.title(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        return OAuthResponses.framework(e, LOG);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        return OAuthResponses.unexpected(e, LOG);
    }
}
