package dev.tokenservices.core.web;

import dev.tokenservices.shared.http.MalformedRequests;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthResponses;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Requests that fail before any resource runs, answered as RFC 6749 §5.2 JSON like every other
 * error of an authorization server instead of an empty 400/404/413/414: a request target that is too
 * long or malformed, or a body announced over the limit (checked first, before anything decodes it:
 * see {@link MalformedRequests}), and whatever Vert.x Web itself refuses (no {@code Host} header, a
 * path not starting with {@code /}, a chunked body over the limit). A service with pages that people
 * open in a browser answers those with a page instead, through its {@link RefusalPages}.
 */
@ApplicationScoped
public class MalformedRequestHandler {

    private static final Logger LOG = Logger.getLogger(MalformedRequestHandler.class);

    private final RefusalPages pages;
    private final long maxBodySize;

    public MalformedRequestHandler(Instance<RefusalPages> pages,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.pages = pages.isResolvable() ? pages.get() : null;
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
                ? pages.refused(refusal)
                : OAuthResponses.error(refusal.status(), OAuthErrors.INVALID_REQUEST, refusal.description()).build());
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
        rc.response().headers().clear();
        Response response;
        if (status < 400 || status >= 500) {
            response = OAuthResponses.unexpected(rc.failure() == null ? new IllegalStateException("status " + status) : rc.failure(), LOG);
        } else if (forBrowser(rc)) {
            response = pages.refused(status);
        } else {
            response = OAuthResponses.framework(new WebApplicationException(status), LOG);
        }
        MalformedRequests.send(rc.response(), response);
    }

    private boolean forBrowser(RoutingContext rc) {
        String path = rc.request().path();
        return pages != null && path != null && pages.forBrowser(path);
    }
}
