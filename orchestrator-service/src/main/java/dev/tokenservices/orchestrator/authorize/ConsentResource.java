package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.PushedRequests;
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
import java.util.List;
import java.util.Map;

/**
 * The answer of the consent page ({@link Consents}): its CSRF token checked against this browser's
 * cookie, the authorization request it repeats validated again from the start; then "continue" sets the
 * consent cookie and sends the browser back to /authorize with that request (303), and "cancel" sends
 * {@code access_denied} to the client's validated redirect URI. A pushed request's form carries its
 * {@code client_id} and a {@code request_uri} only: that request is taken (once) and, to continue,
 * pushed again under a new one ({@link RequestUris}), its parameters never in a URL.
 */
@Path(Consents.PATH)
public class ConsentResource {

    private final Consents consents;
    private final AuthorizationRequests requests;
    private final RequestUris requestUris;
    private final String issuer;

    public ConsentResource(Consents consents, AuthorizationRequests requests, RequestUris requestUris, OrchestratorConfig config) {
        this.consents = consents;
        this.requests = requests;
        this.requestUris = requestUris;
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
        String requestUri = form.get("request_uri");
        if (!PushedRequests.ours(requestUri)) {
            return decided(decision, Consents.repeated(form), false);
        }
        // a pushed request: taken once here, and pushed again for /authorize under a new request_uri
        return requestUris.take(form.get("client_id"), requestUri).chain(pushed -> decided(decision, pushed.parameters(), true));
    }

    /** @param parameters the authorization request consented to, as pushed when {@code pushed} */
    private Uni<Response> decided(String decision, Map<String, List<String>> parameters, boolean pushed) {
        return requests.target(new FormRequest(parameters, null)).chain(target -> {
            if ("deny".equals(decision)) {
                return Uni.createFrom().item(Redirects.error(issuer, target.redirectUri(), target.state(), OAuthErrors.ACCESS_DENIED,
                        "the user declined to sign in to this application", null));
            }
            Uni<Map<String, List<String>>> again = pushed ? requestUris.pushAgain(target.client().clientId(), parameters)
                    : Uni.createFrom().item(parameters);
            return again.map(repeated -> Response.status(303).header("Location", RequestUris.authorizeUrl(repeated))
                    .header("Cache-Control", "no-store").cookie(consents.approval(target)).build());
        });
    }
}
