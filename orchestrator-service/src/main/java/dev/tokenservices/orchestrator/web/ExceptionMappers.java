package dev.tokenservices.orchestrator.web;

import dev.tokenservices.core.web.OAuthExceptionMapper;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Browser-facing errors as an HTML page. OAuth errors and anything unexpected are written by the
 * core's {@link OAuthExceptionMapper}, as in the token service.
 */
public class ExceptionMappers {

    private final Pages pages;

    public ExceptionMappers(Pages pages) {
        this.pages = pages;
    }

    @ServerExceptionMapper
    public Response page(PageException e) {
        return pages.error(e.status(), e.title(), e.getMessage(), e.back());
    }
}
