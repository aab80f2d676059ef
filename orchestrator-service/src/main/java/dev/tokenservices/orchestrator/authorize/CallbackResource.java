package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.SsoSessions;
import dev.tokenservices.orchestrator.upstream.UpstreamException;
import dev.tokenservices.orchestrator.upstream.UpstreamLogin;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.orchestrator.web.WayBack;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

/**
 * Where the upstream IdP sends the browser back (its redirect URI). The login completes only for the
 * browser that started it (RFC 9700 §4.7.1): the upstream {@code state} must come with that
 * browser's sealed login cookie ({@link LoginCookies}); without it, or when it is altered, another
 * login's or expired, the answer is an error page (we cannot know which client to answer) and no
 * session is created or changed. Otherwise upstream errors reach the client with its own
 * {@code state}; a code is redeemed and the id_token validated, a new SSO session starts, and the
 * login finishes, unless the IdP did not authenticate the user as recently as the client's
 * {@code max_age} or {@code prompt=login} asked ({@link Reauthentication}: {@code login_required}, no
 * session). Every answer past the check expires the login cookie.
 */
@Path("/callback")
public class CallbackResource {

    /** Upstream authorization errors passed to the client as they are (OIDC Core §3.1.2.6). */
    private static final Set<String> PASSED_ON = Set.of(OAuthErrors.ACCESS_DENIED, "login_required", "consent_required",
            "interaction_required", "account_selection_required", OAuthErrors.TEMPORARILY_UNAVAILABLE);

    private final LoginCookies loginCookies;
    private final Clients clients;
    private final UpstreamLogin upstream;
    private final SsoSessions sessions;
    private final LoginFlow flow;
    private final LoginMetrics metrics;
    private final String issuer;
    private final long clockSkew;
    private final Clock clock;

    public CallbackResource(LoginCookies loginCookies, Clients clients, UpstreamLogin upstream, SsoSessions sessions,
            LoginFlow flow, LoginMetrics metrics, OrchestratorConfig config, Clock clock) {
        this.loginCookies = loginCookies;
        this.clients = clients;
        this.upstream = upstream;
        this.sessions = sessions;
        this.flow = flow;
        this.metrics = metrics;
        this.issuer = config.issuer();
        this.clockSkew = config.clockSkew().toSeconds();
        this.clock = clock;
    }

    @GET
    public Uni<Response> callback(@QueryParam("state") String state, @QueryParam("code") String code,
            @QueryParam("error") String error, @QueryParam("iss") String iss, @Context HttpHeaders headers) {
        return callback(UpstreamIdpEntry.ResponseMode.QUERY, state, code, error, iss, null, headers);
    }

    /**
     * The Form Post Response Mode (Sign in with Apple): the IdP's page POSTs the answer here from its
     * own site, so the login cookie of such an entry is SameSite=None ({@link LoginCookies}); the
     * binding is the same. Apple adds {@code user}, the name the person gave, on their first login only.
     */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> formPost(@FormParam("state") String state, @FormParam("code") String code,
            @FormParam("error") String error, @FormParam("iss") String iss, @FormParam("user") String user,
            @Context HttpHeaders headers) {
        return callback(UpstreamIdpEntry.ResponseMode.FORM_POST, state, code, error, iss, user, headers);
    }

    private Uni<Response> callback(UpstreamIdpEntry.ResponseMode mode, String state, String code, String error, String iss,
            String user, HttpHeaders headers) {
        if (state == null || state.isEmpty()) {
            metrics.failed("bad_state");
            throw PageException.badRequest("The identity provider's answer has no state.");
        }
        // the Cookie header parsed once, for the login cookie and the session cookie alike
        Map<String, Cookie> cookies = headers.getCookies();
        PendingLogin login = loginCookies.open(state, cookies).orElseThrow(() -> {
            metrics.failed("bad_state");
            return PageException.badRequest("This sign-in was not started in this browser, has expired or was already completed. "
                    + "Start again from the application.");
        });
        // the login cookie is sealed here: its client and redirect URI are the ones /authorize validated
        WayBack back = clients.client(login.request().clientId()).flatMap(c -> WayBack.of(c, login.request().redirectUri())).orElse(null);
        UpstreamIdpEntry idp = clients.upstreamIdp(login.idpId()).orElseThrow(() ->
                PageException.badRequest("The identity provider of this sign-in is no longer configured.", back));
        if (idp.responseMode() != mode) {
            metrics.failed("response_mode");
            throw PageException.badRequest("The identity provider's answer did not come the way this sign-in asked for ("
                    + idp.responseMode() + ").", back);
        }
        // RFC 9207 §2.4: the answer must come from the IdP we sent the user to
        if ((iss != null && !idp.policy().namesIssuerInResponse(iss)) || (iss == null && upstream.sendsIssParameter(idp))) {
            metrics.failed("issuer_mismatch");
            throw PageException.badRequest("The answer did not come from the identity provider this sign-in was sent to.", back);
        }
        Cookie sessionCookie = cookies.get(SsoSessions.COOKIE);
        return answer(login, idp, code, error, FirstLoginName.of(user), sessionCookie == null ? null : sessionCookie.getValue())
                .map(response -> Response.fromResponse(response).cookie(loginCookies.cleared(state, idp)).build());
    }

    private Uni<Response> answer(PendingLogin login, UpstreamIdpEntry idp, String code, String error, Map<String, Object> name,
            String sessionCookie) {
        String redirectUri = login.request().redirectUri();
        String clientState = login.request().state();
        if (error != null) {
            metrics.failed("upstream_" + (PASSED_ON.contains(error) ? error : "error"));
            String passed = PASSED_ON.contains(error) ? error : OAuthErrors.SERVER_ERROR;
            return Uni.createFrom().item(Redirects.error(issuer, redirectUri, clientState, passed,
                    OAuthErrors.ACCESS_DENIED.equals(error) ? "the user or the identity provider denied the login"
                            : "the identity provider answered " + (PASSED_ON.contains(error) ? error : "an error"), null));
        }
        if (code == null || code.isEmpty()) {
            metrics.failed("upstream_no_code");
            return Uni.createFrom().item(Redirects.error(issuer, redirectUri, clientState, OAuthErrors.SERVER_ERROR,
                    "the identity provider answered without a code", null));
        }
        return upstream.redeem(idp, code, login.codeVerifier(), login.nonce())
                .invoke(identity -> Reauthentication.check(login, identity.claims(), clock.instant().getEpochSecond(), clockSkew))
                .map(identity -> identity.withClaimsIfAbsent(name))
                .chain(identity -> sessions.start(identity, sessionCookie, clock.instant().getEpochSecond())
                        .chain(cookie -> flow.finish(login.request(), identity, cookie)))
                .onFailure(AuthorizeError.class).recoverWithItem(e -> {
                    metrics.failed(((AuthorizeError) e).error());
                    return Redirects.error(issuer, redirectUri, clientState, ((AuthorizeError) e).error(), e.getMessage(), null);
                })
                .onFailure(UpstreamException.class).recoverWithItem(e -> {
                    UpstreamException u = (UpstreamException) e;
                    return switch (u.kind()) {
                        case UNAVAILABLE -> {
                            metrics.failed("upstream_unavailable");
                            yield flow.upstreamUnavailable(idp, redirectUri, clientState, login.request().promptNone());
                        }
                        case NOT_ALLOWED -> {
                            // the account is sound but not one this entry admits (another Workspace domain, another tenant)
                            metrics.failed("upstream_not_allowed");
                            yield Redirects.error(issuer, redirectUri, clientState, OAuthErrors.ACCESS_DENIED,
                                    "the account is not accepted for " + idp.id() + ": " + u.getMessage(), null);
                        }
                        case REJECTED -> {
                            metrics.failed("upstream_rejected");
                            yield Redirects.error(issuer, redirectUri, clientState, OAuthErrors.ACCESS_DENIED,
                                    "the identity provider's answer could not be accepted", null);
                        }
                    };
                })
                .onFailure(OAuthException.class).recoverWithItem(e -> {
                    OAuthException o = (OAuthException) e;
                    metrics.failed(o.error());
                    return Redirects.error(issuer, redirectUri, clientState,
                            OAuthErrors.TEMPORARILY_UNAVAILABLE.equals(o.error()) ? o.error() : OAuthErrors.SERVER_ERROR,
                            o.description(), null);
                });
    }
}
