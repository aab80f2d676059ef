package dev.tokenservices.portal.web;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A body announced larger than {@code quarkus.http.limits.max-body-size} (64 KiB) is answered here,
 * before anything reads it, with a readable 413 page: Quarkus' own answer to it is an empty 413,
 * which browsers show as their own error page. A body without a length (chunked) is a readable 411
 * (RFC 9110 §15.5.12): browsers always send the length of a form, and a chunked body past the limit
 * would again meet Quarkus' empty 413. The connection is closed rather than the body read.
 */
@ApplicationScoped
public class BodyLimit {

    private final long limit;

    public BodyLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize limit) {
        this.limit = limit.asLongValue();
    }

    /** After {@link SecurityHeaders} (which must see every response), before authentication and the resources. */
    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(this::check);
    }

    private void check(RoutingContext rc) {
        String announced = rc.request().getHeader("Content-Length");
        if (rc.request().getHeader("Transfer-Encoding") != null) {
            refuse(rc, 411, "Request not accepted", "This page only accepts forms as browsers send them. "
                    + "Go back to the start and enter the code shown on your device.");
        } else if (announced != null && tooLarge(announced)) {
            refuse(rc, 413, "Request too large",
                    "That was far more than this page needs. Go back to the start and enter the code shown on your device.");
        } else {
            rc.next();
        }
    }

    private static void refuse(RoutingContext rc, int status, String title, String message) {
        rc.response().setStatusCode(status)
                .putHeader("Content-Type", Html.MEDIA_TYPE)
                .putHeader("Connection", "close")
                .end(Pages.problem(title, message).render());
    }

    private boolean tooLarge(String announced) {
        try {
            return Long.parseLong(announced.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;   // not a length: Vert.x's HTTP decoder refuses such a request itself
        }
    }
}
