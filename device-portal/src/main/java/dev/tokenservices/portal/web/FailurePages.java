package dev.tokenservices.portal.web;

import io.quarkus.oidc.OIDCException;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.AuthenticationRedirectException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.WebApplicationException;
import org.jboss.logging.Logger;

/**
 * Failures outside the JAX-RS resources as pages: above all the OIDC provider (the orchestrator)
 * being unreachable at login, which is a 503 "try again" page rather than Quarkus' 500. Quarkus'
 * default error handler would also log the request URL, which carries the user code.
 * Security outcomes (login redirects, 401, 403) are left to Quarkus.
 */
@ApplicationScoped
public class FailurePages {

    private static final Logger LOG = Logger.getLogger(FailurePages.class);

    private final SecurityHeaders securityHeaders;

    public FailurePages(SecurityHeaders securityHeaders) {
        this.securityHeaders = securityHeaders;
    }

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    private void handle(RoutingContext rc) {
        Throwable failure = rc.failure();
        if (isSecurityOutcome(failure) || rc.response().ended()) {
            rc.next();
            return;
        }
        int status;
        String title;
        String message;
        int refused = refusedStatus(rc, failure);
        if (failure == null || (refused > 0 && !causedBy(failure, OIDCException.class))) {
            status = refused > 0 ? refused : 500;
            title = "Request not accepted";
            message = "This page cannot handle that request. Start again from the code page.";
        } else if (causedBy(failure, OIDCException.class)) {
            LOG.warnf("sign-in unavailable: the OIDC provider cannot be reached (%s)", rootCause(failure).toString());
            status = 503;
            title = "Sign-in is temporarily unavailable";
            message = "Signing in is not possible right now. Please try again in a moment.";
        } else {
            LOG.errorf("request failed: %s", failure.getClass().getName());
            status = 500;
            title = "Something went wrong";
            message = "Please try again in a moment.";
        }
        if (rc.response().headWritten()) {
            rc.response().close();
            return;
        }
        rc.response().headers().clear();
        // the raw path: normalising one with a broken escape would throw here, in the error page itself
        securityHeaders.apply(rc.response(), rc.request().path());
        rc.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8");
        if (status == 503) {
            rc.response().putHeader("Retry-After", "5");
        }
        rc.response().end(Pages.problem(title, message).render());
    }

    /** The 4xx a request earned before any page ran (no Host header, a malformed Accept…), else 0: never a 500. */
    private static int refusedStatus(RoutingContext rc, Throwable failure) {
        int status = failure instanceof WebApplicationException e && e.getResponse() != null ? e.getResponse().getStatus() : rc.statusCode();
        return status >= 400 && status < 500 ? status : 0;
    }

    private static boolean isSecurityOutcome(Throwable failure) {
        return failure instanceof AuthenticationException || failure instanceof AuthenticationRedirectException
                || failure instanceof UnauthorizedException || failure instanceof ForbiddenException
                || (failure != null && failure.getClass().getName().startsWith("io.quarkus.vertx.http.runtime.security."));
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
