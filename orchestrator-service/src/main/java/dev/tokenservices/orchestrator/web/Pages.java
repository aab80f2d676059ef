package dev.tokenservices.orchestrator.web;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * The few HTML pages of the orchestrator (Qute templates under resources/templates, sharing
 * {@code layout.html} and the style sheet {@code /orchestrator.css}). Every page is sent with a CSP
 * that allows no script and only that sheet, no framing, no referrer and no caching. The records the
 * pages show ({@link WayBack}, {@link IdpChoice}, {@link Field}, {@link Consent}) are {@code @TemplateData}:
 * the templates are not type-checked, so in a native executable Qute reads their properties only through
 * the resolvers generated for them at build time (without, an error page with a way back failed there
 * with a TemplateException).
 */
@ApplicationScoped
public class Pages {

    /** No script, no inline style, nothing from elsewhere: the pages' own style sheet only. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final Template error;
    private final Template chooser;
    private final Template loggedOut;
    private final Template confirmLogout;
    private final Template upstreamUnavailable;
    private final Template consent;

    public Pages(@Location("error.html") Template error, @Location("chooser.html") Template chooser,
            @Location("logged-out.html") Template loggedOut, @Location("logout-confirm.html") Template confirmLogout,
            @Location("upstream-unavailable.html") Template upstreamUnavailable, @Location("consent.html") Template consent) {
        this.upstreamUnavailable = upstreamUnavailable;
        this.consent = consent;
        this.error = error;
        this.chooser = chooser;
        this.loggedOut = loggedOut;
        this.confirmLogout = confirmLogout;
    }

    /** An error page with no way back to a known application (it says to go back or close the window). */
    public Response error(int status, String title, String message) {
        return error(status, title, message, null);
    }

    /** @param back the link back to the registered client, or null when none is known */
    public Response error(int status, String title, String message, WayBack back) {
        return html(status, error.data("title", title).data("message", message).data("back", back).render());
    }

    /**
     * 503: the upstream IdP {@code provider} does not answer; {@code back} returns to the client with
     * {@code error=temporarily_unavailable} (its validated redirect URI, its state).
     */
    public Response upstreamUnavailable(String provider, String back) {
        return Response.fromResponse(html(503, upstreamUnavailable.data("provider", provider).data("back", back).render()))
                .header("Retry-After", "60").build();
    }

    @TemplateData
    public record IdpChoice(String name, String url) {
    }

    public Response chooser(List<IdpChoice> choices) {
        return html(200, chooser.data("choices", choices).render());
    }

    public Response loggedOut() {
        return html(200, loggedOut.render());
    }

    /** A hidden form field. */
    @TemplateData
    public record Field(String name, String value) {
    }

    /**
     * "Sign out of …?" (RP-Initiated Logout 1.0 §2): a form that POSTs {@code fields} to {@code action}.
     *
     * @param application the client's name, or null when none is named
     * @param user        who is signed in, as shown to them
     */
    public Response confirmLogout(String application, String user, String action, List<Field> fields) {
        return html(200, confirmLogout.data("application", application).data("user", user).data("action", action)
                .data("fields", fields).render());
    }

    /**
     * What the consent page shows about a client no operator vetted, all as text.
     *
     * @param application  its {@code client_name}, or null when it gives none
     * @param publisher    the host of its Client ID Metadata Document, or null for a registered client
     * @param returnsTo    the host of the redirect URI the browser will be sent to
     * @param hostsDiffer  the two hosts differ (said on the page)
     * @param fields       the authorization request and the CSRF token, repeated by both forms
     */
    @TemplateData
    public record Consent(String application, String publisher, String returnsTo, boolean hostsDiffer, String scopes,
            String action, List<Field> fields) {
    }

    public Response consent(Consent view) {
        return html(200, consent.data("c", view).render());
    }

    public static Response html(int status, String body) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity(body)
                .header("Cache-Control", "no-store").header("Pragma", "no-cache")
                .header("X-Frame-Options", "DENY").header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("Referrer-Policy", "no-referrer").build();
    }
}
