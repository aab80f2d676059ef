package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.PushedRequests;
import dev.tokenservices.orchestrator.session.SsoSessions;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.shared.oauth.FormRequest;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The authorization endpoint (OIDC Core §3.1.2), GET and POST. The client and redirect URI are
 * checked first (failure: an error page); after that every error, including a dependency that is
 * down, is a redirect to the client with {@code error}, {@code state} and {@code iss}.
 *
 * <p>A {@code request_uri} of ours (RFC 9126 §4) stands for the parameters its client pushed to
 * /par: the request is taken from there (once), and nothing else of the query is used but the
 * {@code client_id}, which must be the client that pushed it. One that is unknown, expired, used or
 * another client's is an error page: its redirect URI is not known. Any other {@code request_uri} is
 * {@code request_uri_not_supported}.
 *
 * <p>A client no operator vetted waits for the person's consent ({@link Consents}) before the login
 * starts. Where the request must go through the browser again (the consent page's forms, the IdP
 * chooser's links), a pushed request is pushed again under a new {@code request_uri} ({@link RequestUris}).
 */
@Path("/authorize")
public class AuthorizeResource {

    private final AuthorizationRequests requests;
    private final RequestUris requestUris;
    private final LoginFlow flow;
    private final Consents consents;
    private final String issuer;

    public AuthorizeResource(AuthorizationRequests requests, RequestUris requestUris, LoginFlow flow, Consents consents,
            OrchestratorConfig config) {
        this.requests = requests;
        this.requestUris = requestUris;
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
        return authorize(() -> FormRequest.parse(FormRequest.FORM, query == null ? "" : query, null, AuthorizationRequests.REPEATABLE),
                new Cookies(session, recentLogins, consent, consentCsrf));
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> post(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body,
            @CookieParam(SsoSessions.COOKIE) String session, @CookieParam(LoginCookies.RECENT) String recentLogins,
            @CookieParam(Consents.COOKIE) String consent, @CookieParam(Consents.CSRF_COOKIE) String consentCsrf) {
        return authorize(() -> FormRequest.parse(contentType, body, null, AuthorizationRequests.REPEATABLE),
                new Cookies(session, recentLogins, consent, consentCsrf));
    }

    private Uni<Response> authorize(Supplier<FormRequest> parse, Cookies cookies) {
        FormRequest params;
        try {
            params = parse.get();
        } catch (OAuthException e) {
            throw PageException.badRequest("The sign-in request is malformed: " + e.description());
        }
        String requestUri = params.get("request_uri");
        if (PushedRequests.ours(requestUri)) {
            return pushed(params.get("client_id"), requestUri, cookies);
        }
        return authorize(params, null, cookies);
    }

    /** RFC 9126 §4: the pushed request alone, taken once, and only by the client that pushed it. */
    private Uni<Response> pushed(String clientId, String requestUri, Cookies cookies) {
        return requestUris.take(clientId, requestUri)
                .chain(found -> authorize(new FormRequest(found.parameters(), null), found, cookies));
    }

    /** @param pushed where the parameters come from when they were pushed, else null */
    private Uni<Response> authorize(FormRequest params, PushedRequests.Pushed pushed, Cookies cookies) {
        return requests.target(params).chain(target -> Uni.createFrom().deferred(() -> {
                    AuthorizationRequest request = requests.validate(target, params, pushed != null);
                    if (consents.needed(target, cookies.consent())) {
                        // a client no operator vetted: the person sees who asks before anything else happens
                        if (request.promptNone()) {
                            throw new AuthorizeError(OAuthErrors.CONSENT_REQUIRED, "the user has not consented to this application yet");
                        }
                        requests.checkCodeProtection(request);
                        return repeated(params, pushed, Map.of())
                                .map(fields -> consents.page(target, request, fields, cookies.consentCsrf()));
                    }
                    return flow.start(request, cookies.session(), cookies.recentLogins(),
                            id -> repeated(params, pushed, Map.of("idp_hint", List.of(id))).map(RequestUris::authorizeUrl));
                })
                .onFailure(AuthorizeError.class).recoverWithItem(e -> Redirects.error(issuer, target.redirectUri(), target.state(),
                        ((AuthorizeError) e).error(), e.getMessage(), null))
                .onFailure(OAuthException.class).recoverWithItem(e -> {
                    OAuthException o = (OAuthException) e;
                    String error = OAuthErrors.TEMPORARILY_UNAVAILABLE.equals(o.error()) ? o.error() : OAuthErrors.SERVER_ERROR;
                    return Redirects.error(issuer, target.redirectUri(), target.state(), error, o.description(), null);
                }));
    }

    /**
     * The parameters that repeat this request through the browser (the IdP chooser's links, the consent
     * page's forms), with {@code changes}. A pushed request is pushed again with them, as a new
     * single-use {@code request_uri}: its parameters never travel in a URL or a page.
     */
    private Uni<Map<String, List<String>>> repeated(FormRequest params, PushedRequests.Pushed pushed, Map<String, List<String>> changes) {
        Map<String, List<String>> repeated = new LinkedHashMap<>(params.parameters());
        repeated.putAll(changes);
        return pushed == null ? Uni.createFrom().item(repeated) : requestUris.pushAgain(pushed.clientId(), repeated);
    }
}
