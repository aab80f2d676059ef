package dev.tokenservices.portal.web;

import dev.tokenservices.portal.web.Csrf.Browser;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;

/** Page responses: HTML (never cached: see {@link SecurityHeaders}), with the CSRF cookie when the browser has none yet. */
final class Html {

    static final String MEDIA_TYPE = "text/html;charset=UTF-8";
    static final MediaType TYPE = MediaType.valueOf(MEDIA_TYPE);

    private Html() {
    }

    static Response page(int status, TemplateInstance page) {
        return page(status, page, null);
    }

    static Response page(int status, TemplateInstance page, Browser browser) {
        Response.ResponseBuilder response = Response.status(status).type(TYPE).entity(page);
        if (browser != null && browser.setCookie() != null) {
            response.header("Set-Cookie", browser.setCookie());
        }
        return response.build();
    }

    static Response problem(int status, String title, String message) {
        return page(status, Pages.problem(title, message));
    }

    static Response forbiddenForm() {
        return problem(403, "This form has expired",
                "The form was not sent from this site, or it is too old. Go back to the start, enter the code again and retry.");
    }

    /** A form post that is not form encoding (broken percent-encoding, not UTF-8): no browser sends one. */
    static Response unreadableForm() {
        return problem(400, "Request not accepted",
                "The form could not be read. Go back to the start and enter the code again.");
    }

    /** RFC 6585 §4, with the page saying when to come back. */
    static Response tooManyCodes(Duration window) {
        long minutes = Math.max(1, (window.toSeconds() + 59) / 60);
        return Response.fromResponse(problem(429, "Too many wrong codes",
                "Too many wrong codes were entered. Please try again later (in about " + minutes
                        + (minutes == 1 ? " minute" : " minutes") + ")."))
                .header("Retry-After", Long.toString(window.toSeconds())).build();
    }
}
