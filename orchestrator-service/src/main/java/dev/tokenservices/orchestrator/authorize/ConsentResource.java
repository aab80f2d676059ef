package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The answer of the consent page ({@link Consents}): its CSRF token checked against this browser's
 * cookie, the authorization request it repeats validated again from the start; then "continue" sets the
 * consent cookie and sends the browser back to /authorize with that request (303), and "cancel" sends
 * {@code access_denied} to the client's validated redirect URI.
 */
@Path(Consents.PATH)
public class ConsentResource {

    private final Consents consents;
    private final AuthorizationRequests requests;
    private final String issuer;

    public ConsentResource(Consents consents, AuthorizationRequests requests, OrchestratorConfig config) {
        this.consents = consents;
        this.requests = requests;
        this.issuer = config.issuer();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> decide(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body,
            @CookieParam(Consents.CSRF_COOKIE) String csrfCookie) {
        FormRequest form;
        try {
            form = FormRequest.parse(contentType, body, null, AuthorizationRequests.REPEATABLE);
        } catch (OAuthException e) {
            throw PageException.badRequest("The consent form is malformed: " + e.description());
        }
        if (!consents.csrfValid(csrfCookie, form.get(Consents.CSRF))) {
            throw PageException.badRequest("This consent form was not sent from this browser's consent page, or it expired. "
                    + "Start again from the application.");
        }
        String decision = form.get(Consents.DECISION);
        if (!"approve".equals(decision) && !"deny".equals(decision)) {
            throw PageException.badRequest("The consent form says neither continue nor cancel.");
        }
        String query = Consents.repeated(form);
        FormRequest request = FormRequest.parse(FormRequest.FORM, query, null, AuthorizationRequests.REPEATABLE);
        return requests.target(request).map(target -> {
            if ("deny".equals(decision)) {
                return Redirects.error(issuer, target.redirectUri(), target.state(), OAuthErrors.ACCESS_DENIED,
                        "the user declined to sign in to this application", null);
            }
            return Response.status(303).header("Location", "/authorize?" + query).header("Cache-Control", "no-store")
                    .cookie(consents.approval(target)).build();
        });
    }
}
