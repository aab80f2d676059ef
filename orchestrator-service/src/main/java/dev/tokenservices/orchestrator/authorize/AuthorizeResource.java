package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
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
    private final String issuer;

    public AuthorizeResource(AuthorizationRequests requests, LoginFlow flow, OrchestratorConfig config) {
        this.requests = requests;
        this.flow = flow;
        this.issuer = config.issuer();
    }

    @GET
    public Uni<Response> get(@Context HttpServerRequest http, @CookieParam(SsoSessions.COOKIE) String session,
            @CookieParam(LoginCookies.RECENT) String recentLogins) {
        String query = http.query();
        return authorize(() -> FormRequest.parse(FormRequest.FORM, query == null ? "" : query, null), session, recentLogins);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> post(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body,
            @CookieParam(SsoSessions.COOKIE) String session, @CookieParam(LoginCookies.RECENT) String recentLogins) {
        return authorize(() -> FormRequest.parse(contentType, body, null), session, recentLogins);
    }

    private Uni<Response> authorize(java.util.function.Supplier<FormRequest> parse, String session, String recentLogins) {
        FormRequest params;
        try {
            params = parse.get();
        } catch (OAuthException e) {
            throw PageException.badRequest("The sign-in request is malformed: " + e.description());
        }
        AuthorizationRequests.Target target = requests.target(params);
        return Uni.createFrom().deferred(() -> flow.start(requests.validate(target, params), session, recentLogins,
                        id -> chooserUrl(params, id)))
                .onFailure(AuthorizeError.class).recoverWithItem(e -> Redirects.error(issuer, target.redirectUri(), target.state(),
                        ((AuthorizeError) e).error(), e.getMessage(), null))
                .onFailure(OAuthException.class).recoverWithItem(e -> {
                    OAuthException o = (OAuthException) e;
                    String error = OAuthErrors.TEMPORARILY_UNAVAILABLE.equals(o.error()) ? o.error() : OAuthErrors.SERVER_ERROR;
                    return Redirects.error(issuer, target.redirectUri(), target.state(), error, o.description(), null);
                });
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
