package dev.tokenservices.token.endpoint;

import dev.tokenservices.shared.http.MalformedRequests;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthResponses;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Requests that fail before any resource runs, answered as RFC 6749 §5.2 JSON like every other
 * error here instead of an empty 400/404/413/414: a request target that is too long or malformed, or a
 * body announced over the limit (checked first, before anything decodes it: see
 * {@link MalformedRequests}), and whatever Vert.x Web itself refuses (no {@code Host} header, a path
 * not starting with {@code /}, a chunked body over the limit).
 */
@ApplicationScoped
public class MalformedRequestHandler {

    private static final Logger LOG = Logger.getLogger(MalformedRequestHandler.class);

    private final long maxBodySize;

    public MalformedRequestHandler(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
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
        MalformedRequests.send(rc.response(),
                OAuthResponses.error(refusal.status(), OAuthErrors.INVALID_REQUEST, refusal.description()).build());
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
        MalformedRequests.send(rc.response(), status >= 400 && status < 500
                ? OAuthResponses.framework(new WebApplicationException(status), LOG)
                : OAuthResponses.unexpected(rc.failure() == null ? new IllegalStateException("status " + status) : rc.failure(), LOG));
    }
}
