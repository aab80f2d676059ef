package dev.tokenservices.orchestrator.web;

import dev.tokenservices.shared.http.MalformedRequests;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthResponses;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Requests that fail before any resource runs, answered as the rest of the orchestrator answers
 * instead of Vert.x' empty 400/404/413/414: an error page on the pages a browser is sent to
 * ({@code /authorize}, {@code /callback}, {@code /logout}…), RFC 6749 §5.2 JSON on the API
 * ({@code /token}, {@code /userinfo}, {@code /jwks}, discovery). It covers a request target that is too
 * long or malformed, or a body announced over the limit (checked first, before anything decodes it:
 * see {@link MalformedRequests}), and whatever Vert.x Web itself refuses (no {@code Host} header, a path
 * not starting with {@code /}, a chunked body over the limit).
 */
@ApplicationScoped
public class MalformedRequestHandler {

    private static final Logger LOG = Logger.getLogger(MalformedRequestHandler.class);

    /** Where people arrive in a browser; everything else is for programs. */
    private static final List<String> BROWSER_PATHS = List.of("/authorize", "/callback", "/logout", "/continue", "/demo");

    private final Pages pages;
    private final long maxBodySize;

    public MalformedRequestHandler(Pages pages, @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.pages = pages;
        this.maxBodySize = maxBodySize.asLongValue();
    }

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::checkFirst);
        router.route().order(Integer.MIN_VALUE).failureHandler(this::failed);
    }

    private void checkFirst(RoutingContext rc) {
        MalformedRequests.Refusal refusal = MalformedRequests.check(rc.request(), maxBodySize);
        if (refusal == null) {
            rc.next();
            return;
        }
        MalformedRequests.send(rc.response(), forBrowser(rc)
                ? page(refusal)
                : OAuthResponses.error(refusal.status(), OAuthErrors.INVALID_REQUEST, refusal.description()).build());
    }

    private Response page(MalformedRequests.Refusal refusal) {
        return switch (refusal) {
            case TOO_LONG -> pages.error(refusal.status(), "This address is too long",
                    "The address of this page is longer than this service accepts.");
            case BAD_ENCODING -> pages.error(refusal.status(), "This address is malformed",
                    "The address of this page is damaged: it has a '%' that is not followed by two hexadecimal digits.");
            case BAD_CHARACTER -> pages.error(refusal.status(), "This address is malformed",
                    "The address of this page is damaged: it has a character that should have been percent-encoded.");
            case BODY_TOO_LARGE -> pages.error(refusal.status(), "This request is too large",
                    "The form sent to this page is larger than this service accepts.");
        };
    }

    private void failed(RoutingContext rc) {
        if (rc.response().ended()) {
            return;
        }
        if (rc.response().headWritten()) {
            rc.response().close();
            return;
        }
        int status = rc.statusCode();
        boolean refused = status >= 400 && status < 500;
        Response response;
        if (!refused) {
            response = OAuthResponses.unexpected(rc.failure() == null ? new IllegalStateException("status " + status) : rc.failure(), LOG);
        } else if (forBrowser(rc)) {
            response = pages.error(status, "This request cannot be handled", "The request is malformed or too large.");
        } else {
            response = OAuthResponses.framework(new WebApplicationException(status), LOG);
        }
        rc.response().headers().clear();
        MalformedRequests.send(rc.response(), response);
    }

    private static boolean forBrowser(RoutingContext rc) {
        String path = rc.request().path();
        if (path == null) {
            return false;
        }
        for (String prefix : BROWSER_PATHS) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
