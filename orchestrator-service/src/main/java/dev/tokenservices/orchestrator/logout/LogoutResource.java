package dev.tokenservices.orchestrator.logout;

import dev.tokenservices.orchestrator.authorize.Redirects;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.session.SsoSessions;
import dev.tokenservices.orchestrator.upstream.UpstreamLogin;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.orchestrator.web.Pages;
import dev.tokenservices.orchestrator.web.WayBack;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * RP-Initiated Logout 1.0 (GET and POST). {@code id_token_hint} must be an id_token we signed (an
 * expired one is fine, §2); {@code post_logout_redirect_uri} must be registered, exactly, for the
 * client it or {@code client_id} names, and {@code state} is passed back. An invalid hint or an
 * unregistered redirect ends nothing and shows an error page.
 *
 * <p>A session ends at once only for a hint naming the session's user; otherwise (no hint, another
 * user's) the user is asked on a confirmation page whose form POSTs back with a CSRF token bound to
 * this browser's session ({@link LogoutConfirmations}), so a link or a forged form cannot sign anyone
 * out (logout CSRF). Once the session has ended here, and when its upstream IdP has
 * {@code logout_upstream} (default) and advertises an {@code end_session_endpoint}, the browser goes
 * there too (its {@code id_token_hint}, our {@code client_id}, {@code post_logout_redirect_uri}
 * {@code <issuer>/logout/done} and a sealed {@code state} saying where to go afterwards), so that
 * "Sign out" means signed out: the next login asks at the upstream again. {@code /logout/done}
 * then redirects to the client with its {@code state}, or shows the "signed out" page.
 */
@Path("/logout")
public class LogoutResource {

    private static final int MAX_STATE = 1024;
    /** The confirmation form's marker: a POST carrying it must carry a valid CSRF token. */
    static final String CONFIRM = "confirm";
    static final String CSRF = "csrf_token";

    private final IdTokenHints hints;
    private final Clients clients;
    private final SsoSessions sessions;
    private final LogoutConfirmations confirmations;
    private final UpstreamLogoutReturns returns;
    private final UpstreamLogin upstream;
    private final Pages pages;
    private final String issuer;

    public LogoutResource(IdTokenHints hints, Clients clients, SsoSessions sessions, LogoutConfirmations confirmations,
            UpstreamLogoutReturns returns, UpstreamLogin upstream, Pages pages, OrchestratorConfig config) {
        this.hints = hints;
        this.clients = clients;
        this.sessions = sessions;
        this.confirmations = confirmations;
        this.returns = returns;
        this.upstream = upstream;
        this.pages = pages;
        this.issuer = config.issuer();
    }

    /** A logout the browser was sent to, after its parameters were checked. */
    private record Request(String clientId, String redirect, String state, IdTokenHints.Hint hint) {

        /** Where to go once signed out: the registered URI with {@code state}, or null for the "signed out" page. */
        String target() {
            if (redirect == null) {
                return null;
            }
            return state == null ? redirect : redirect + (redirect.indexOf('?') >= 0 ? '&' : '?') + "state=" + Redirects.encode(state);
        }
    }

    @GET
    public Uni<Response> get(@Context HttpServerRequest http, @CookieParam(SsoSessions.COOKIE) String session) {
        String query = http.query();
        return logout(parse(FormRequest.FORM, query == null ? "" : query), false, session);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> post(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body,
            @CookieParam(SsoSessions.COOKIE) String session) {
        return logout(parse(contentType, body), true, session);
    }

    /** Where an upstream IdP sends the browser back after its own logout. */
    @GET
    @Path("done")
    public Response done(@QueryParam("state") String state) {
        if (state == null) {
            // the session ended before the browser went upstream; without a state there is nowhere to return to
            return pages.loggedOut();
        }
        UpstreamLogoutReturns.Return back = returns.open(state).orElseThrow(() -> badRequest(
                "This sign-out answer was not issued here, was altered or has expired. You are signed out."));
        return finish(back.target());
    }

    static PageException badRequest(String message) {
        return badRequest(message, null);
    }

    /** @param back the way back to the registered client the request names, or null */
    static PageException badRequest(String message, WayBack back) {
        return new PageException(400, "This sign-out request cannot be handled", message, back);
    }

    /** The way back to a registered client (its registered address only), or null. */
    private WayBack back(String clientId) {
        return Optional.ofNullable(clientId).flatMap(clients::client).flatMap(c -> WayBack.of(c, null)).orElse(null);
    }

    private static FormRequest parse(String contentType, String body) {
        try {
            return FormRequest.parse(contentType, body, null);
        } catch (OAuthException e) {
            throw badRequest("The sign-out request is malformed: " + e.description());
        }
    }

    private Uni<Response> logout(FormRequest params, boolean posted, String sessionCookie) {
        Request request = validate(params);
        if (sessionCookie == null) {
            // no session in this browser: nothing to end, nothing to ask
            return Uni.createFrom().item(finish(request.target()));
        }
        boolean confirmed = posted && params.get(CONFIRM) != null;
        if (confirmed && !confirmations.verify(sessionCookie, params.get(CSRF))) {
            throw badRequest("This sign-out form was not sent from this browser's sign-out page. Nothing was changed.",
                    back(request.clientId()));
        }
        return sessions.find(sessionCookie)
                .onFailure(OAuthException.class).transform(e -> PageException.unavailable("The session store is not available; try again later."))
                .chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(withExpiredSession(finish(request.target())));
                    }
                    Identity identity = found.get().identity();
                    if (!confirmed && (request.hint() == null || !request.hint().names(identity))) {
                        return Uni.createFrom().item(confirmation(request, identity, sessionCookie));
                    }
                    return end(sessionCookie, identity, request.target());
                });
    }

    private Request validate(FormRequest params) {
        String hint = params.get("id_token_hint");
        String clientId = params.get("client_id");
        String redirect = params.get("post_logout_redirect_uri");
        String state = params.get("state");
        if (state != null && state.length() > MAX_STATE) {
            throw badRequest("The state parameter is longer than " + MAX_STATE + " characters.");
        }
        IdTokenHints.Hint verified = null;
        if (hint != null) {
            verified = hints.verify(hint);
            if (clientId != null && !clientId.equals(verified.clientId())) {
                throw badRequest("client_id does not match the id_token_hint.", back(verified.clientId()));
            }
            clientId = verified.clientId();
        }
        if (redirect != null) {
            if (clientId == null) {
                throw badRequest("A post_logout_redirect_uri needs an id_token_hint or a client_id.");
            }
            ClientEntry client = clients.client(clientId).orElseThrow(() -> badRequest("The application is not registered here."));
            if (!client.postLogoutRedirectUris().contains(redirect)) {
                throw badRequest("The post_logout_redirect_uri is not registered for this application.", back(clientId));
            }
        }
        return new Request(clientId, redirect, state, verified);
    }

    private Response confirmation(Request request, Identity identity, String sessionCookie) {
        List<Pages.Field> fields = new ArrayList<>();
        if (request.clientId() != null) {
            fields.add(new Pages.Field("client_id", request.clientId()));
        }
        if (request.redirect() != null) {
            fields.add(new Pages.Field("post_logout_redirect_uri", request.redirect()));
        }
        if (request.state() != null) {
            fields.add(new Pages.Field("state", request.state()));
        }
        fields.add(new Pages.Field(CSRF, confirmations.token(sessionCookie)));
        fields.add(new Pages.Field(CONFIRM, "yes"));
        String application = Optional.ofNullable(request.clientId()).flatMap(clients::client)
                .map(c -> c.clientName() != null ? c.clientName() : c.clientId()).orElse(null);
        return pages.confirmLogout(application, who(identity.claims()), issuer + "/logout", fields);
    }

    /** "Name (e-mail)" as the upstream said, or whichever of them it gave, or the subject. */
    private static String who(Map<String, Object> claims) {
        Object name = claims.get("name");
        Object email = claims.get("email");
        if (name instanceof String n && email instanceof String e) {
            return n + " (" + e + ")";
        }
        if (name instanceof String n) {
            return n;
        }
        return email instanceof String e ? e : String.valueOf(claims.get("sub"));
    }

    private Uni<Response> end(String sessionCookie, Identity identity, String target) {
        return sessions.end(sessionCookie)
                .onFailure(OAuthException.class).transform(e -> PageException.unavailable("The session store is not available; try again later."))
                .chain(() -> upstreamLogout(identity, target))
                .map(this::withExpiredSession);
    }

    private Uni<Response> upstreamLogout(Identity identity, String target) {
        Optional<UpstreamIdpEntry> idp = clients.upstreamIdp(identity.idpId()).filter(UpstreamIdpEntry::logoutUpstream);
        if (idp.isEmpty()) {
            return Uni.createFrom().item(finish(target));
        }
        return upstream.endSessionUrl(idp.get(), identity.upstreamIdToken(), issuer + "/logout/done", returns.seal(target))
                .map(url -> url.map(LogoutResource::redirect).orElseGet(() -> finish(target)));
    }

    private Response finish(String target) {
        return target == null ? pages.loggedOut() : redirect(URI.create(target));
    }

    private static Response redirect(URI location) {
        return Response.status(302).location(location).header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
    }

    private Response withExpiredSession(Response response) {
        return Response.fromResponse(response).cookie(sessions.expired()).build();
    }
}
