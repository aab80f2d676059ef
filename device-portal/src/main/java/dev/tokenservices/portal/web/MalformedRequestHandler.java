package dev.tokenservices.portal.web;

import dev.tokenservices.shared.http.MalformedRequests;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request target that is too long or malformed, or a body announced over the limit (see
 * {@link MalformedRequests}), is refused first, before anything decodes it, as a page in the portal's
 * look (by {@link FailurePages}) instead of the empty 400/413/414 that browsers show as their own error.
 */
@ApplicationScoped
public class MalformedRequestHandler {

    private final long maxBodySize;

    public MalformedRequestHandler(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodySize = maxBodySize.asLongValue();
    }

    /**
     * Before the other routes of the portal (an earlier observer adds its route first among routes of
     * the same order): {@link SecurityHeaders}' would normalise a path with a broken escape.
     */
    void register(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) Router router) {
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            MalformedRequests.Refusal refusal = MalformedRequests.check(rc.request(), maxBodySize);
            if (refusal == null) {
                rc.next();
            } else {
                rc.fail(refusal.status());
            }
        });
    }
}
