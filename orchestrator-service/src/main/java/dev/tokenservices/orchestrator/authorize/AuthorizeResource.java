package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.SsoSessions;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The authorization endpoint (OIDC Core §3.1.2), GET and POST. The client and redirect URI are
 * checked first (failure: an error page); after that every error, including a dependency that is
 * down, is a redirect to the client with {@code error}, {@code state} and {@code iss}.
 */
@Path("/authorize")
public class AuthorizeResource {

    private final AuthorizationRequests requests;
    private final LoginFlow flow;
    private final Consents consents;
    private final String issuer;

    public AuthorizeResource(AuthorizationRequests requests, LoginFlow flow, Consents consents, OrchestratorConfig config) {
        this.requests = requests;
        this.flow = flow;
        this.consents = consents;
        this.issuer = config.issuer();
    }

    /** The cookies /authorize reads. */
    private record Cookies(String session, String recentLogins, String consent, String consentCsrf) {
    }

    @GET
    public Uni<Response> get(@Context HttpServerRequest http, @CookieParam(SsoSessions.COOKIE) String session,
            @CookieParam(LoginCookies.RECENT) String recentLogins, @CookieParam(Consents.COOKIE) String consent,
            @CookieParam(Consents.CSRF_COOKIE) String consentCsrf) {
        String query = http.query();
        return authorize(() -> FormRequest.parse(FormRequest.FORM, query == null ? "" : query, null),
                new Cookies(session, recentLogins, consent, consentCsrf));
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> post(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body,
            @CookieParam(SsoSessions.COOKIE) String session, @CookieParam(LoginCookies.RECENT) String recentLogins,
            @CookieParam(Consents.COOKIE) String consent, @CookieParam(Consents.CSRF_COOKIE) String consentCsrf) {
        return authorize(() -> FormRequest.parse(contentType, body, null), new Cookies(session, recentLogins, consent, consentCsrf));
    }

    private Uni<Response> authorize(java.util.function.Supplier<FormRequest> parse, Cookies cookies) {
        FormRequest params;
        try {
            params = parse.get();
        } catch (OAuthException e) {
            throw PageException.badRequest("The sign-in request is malformed: " + e.description());
        }
        return requests.target(params).chain(target -> Uni.createFrom().deferred(() -> {
                    AuthorizationRequest request = requests.validate(target, params);
                    if (consents.needed(target, cookies.consent())) {
                        // a client no operator vetted: the person sees who asks before anything else happens
                        if (request.promptNone()) {
                            throw new AuthorizeError(OAuthErrors.CONSENT_REQUIRED, "the user has not consented to this application yet");
                        }
                        requests.checkCodeProtection(request);
                        return Uni.createFrom().item(consents.page(target, request, params, cookies.consentCsrf()));
                    }
                    return flow.start(request, cookies.session(), cookies.recentLogins(), id -> chooserUrl(params, id));
                })
                .onFailure(AuthorizeError.class).recoverWithItem(e -> Redirects.error(issuer, target.redirectUri(), target.state(),
                        ((AuthorizeError) e).error(), e.getMessage(), null))
                .onFailure(OAuthException.class).recoverWithItem(e -> {
                    OAuthException o = (OAuthException) e;
                    String error = OAuthErrors.TEMPORARILY_UNAVAILABLE.equals(o.error()) ? o.error() : OAuthErrors.SERVER_ERROR;
                    return Redirects.error(issuer, target.redirectUri(), target.state(), error, o.description(), null);
                }));
    }

    private static String chooserUrl(FormRequest params, String idpId) {
        StringJoiner query = new StringJoiner("&", "/authorize?", "");
        for (Map.Entry<String, List<String>> p : params.parameters().entrySet()) {
            if (!p.getKey().equals("idp_hint")) {
                p.getValue().forEach(v -> query.add(Redirects.encode(p.getKey()) + "=" + Redirects.encode(v)));
            }
        }
        query.add("idp_hint=" + Redirects.encode(idpId));
        return query.toString();
    }
}
