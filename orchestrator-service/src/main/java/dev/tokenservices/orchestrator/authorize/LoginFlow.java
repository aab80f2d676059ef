package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.exchange.TokenServiceClient;
import dev.tokenservices.orchestrator.metrics.LoginCompleted;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.AuthorizationCodes;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.session.InteractionTickets;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.orchestrator.session.SsoSessions;
import dev.tokenservices.orchestrator.upstream.UpstreamException;
import dev.tokenservices.orchestrator.upstream.UpstreamLogin;
import dev.tokenservices.orchestrator.web.Pages;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A login from the client's validated request to its redirect: reuse the SSO session when it can,
 * else send the browser to the chosen upstream IdP, the login in progress sealed in a cookie of that
 * browser ({@link LoginCookies}; nothing is stored before the user has logged in upstream); when the
 * identity is known, do "what comes next" (token exchange at the token service), by way of the pages
 * of APIs that ask the user for something first, store a one-time code and redirect to the client.
 */
@ApplicationScoped
public class LoginFlow {

    /** OIDC scopes: about the login itself, never sent to the token service. */
    public static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "email", "address", "phone", "offline_access");
    /** An upstream id_token this close to expiry is not exchanged any more: the token service would refuse it. */
    private static final long MIN_REMAINING_SECONDS = 15;

    private final OrchestratorConfig config;
    private final AuthorizationRequests requests;
    private final Clients clients;
    private final SsoSessions sessions;
    private final LoginCookies loginCookies;
    private final AuthorizationCodes codes;
    private final UpstreamLogin upstream;
    private final TokenServiceClient tokenService;
    private final LoginMetrics metrics;
    private final Event<LoginCompleted> completed;
    private final Pages pages;
    private final InteractionDetours detours;
    private final Clock clock;

    public LoginFlow(OrchestratorConfig config, AuthorizationRequests requests, Clients clients, SsoSessions sessions, LoginCookies loginCookies,
            AuthorizationCodes codes, UpstreamLogin upstream, TokenServiceClient tokenService, LoginMetrics metrics,
            Event<LoginCompleted> completed, Pages pages, InteractionDetours detours, Clock clock) {
        this.config = config;
        this.requests = requests;
        this.clients = clients;
        this.sessions = sessions;
        this.loginCookies = loginCookies;
        this.codes = codes;
        this.upstream = upstream;
        this.tokenService = tokenService;
        this.metrics = metrics;
        this.completed = completed;
        this.pages = pages;
        this.detours = detours;
        this.clock = clock;
    }

    /**
     * @param sessionCookie the {@code orch_session} cookie, if any
     * @param recentLogins  the browser's {@link LoginCookies#RECENT} cookie, if any
     * @param chooserUrl    builds the URL that repeats this request with {@code idp_hint=<id>}
     */
    public Uni<Response> start(AuthorizationRequest request, String sessionCookie, String recentLogins,
            Function<String, Uni<String>> chooserUrl) {
        return sessions.find(sessionCookie).chain(session -> {
            long now = clock.instant().getEpochSecond();
            Optional<Identity> known = session.map(SsoSessions.Session::identity)
                    .filter(id -> reusable(request, id, now));
            if (known.isEmpty() && request.promptNone()) {
                metrics.failed("login_required");
                throw new AuthorizeError("login_required", request.idTokenHint() != null && session.isPresent()
                        && !request.idTokenHint().names(session.get().identity())
                        ? "the user the id_token_hint names is not the one logged in" : "there is no session; the user must log in");
            }
            requests.checkCodeProtection(request);
            if (known.isPresent() && known.get().upstreamExpiresAt() - MIN_REMAINING_SECONDS > now) {
                return finish(request, known.get(), null);
            }
            UpstreamIdpEntry idp;
            if (known.isPresent()) {
                // the session lives, its upstream id_token does not: log in again at the same IdP
                idp = clients.upstreamIdp(known.get().idpId()).orElseThrow(() -> new AuthorizeError(OAuthErrors.SERVER_ERROR,
                        "the session's identity provider is no longer configured"));
            } else if (request.idpHint() != null) {
                idp = clients.upstreamIdp(request.idpHint()).orElseThrow(() -> new AuthorizeError(OAuthErrors.INVALID_REQUEST,
                        "idp_hint names no configured identity provider"));
            } else if (clients.upstreamIdps().size() == 1) {
                idp = clients.upstreamIdps().get(0);
            } else if (clients.upstreamIdps().isEmpty()) {
                throw new AuthorizeError(OAuthErrors.SERVER_ERROR, "no upstream identity provider is configured");
            } else {
                return Uni.join().all(clients.upstreamIdps().stream()
                        .map(i -> chooserUrl.apply(i.id()).map(url -> new Pages.IdpChoice(i.id(), url))).toList())
                        .andFailFast().map(pages::chooser);
            }
            return toUpstream(request, idp, recentLogins);
        });
    }

    /**
     * Whether the SSO session's login answers this request (OIDC Core §3.1.2.1): not when the client
     * asks for interaction ({@code prompt} login, consent, select_account), names another IdP, sets a
     * {@code max_age} the session's {@code auth_time} exceeds, or sends an {@code id_token_hint} of
     * another user.
     */
    private static boolean reusable(AuthorizationRequest request, Identity identity, long now) {
        return !request.promptsInteraction()
                && (request.idpHint() == null || request.idpHint().equals(identity.idpId()))
                && (request.maxAge() < 0 || now - identity.authTime() <= request.maxAge())
                && (request.idTokenHint() == null || request.idTokenHint().names(identity));
    }

    /**
     * The upstream request carries the client's {@code prompt} and {@code max_age} (so that the IdP
     * authenticates the user again when asked; the callback checks that it did), and
     * {@code login_hint}, {@code acr_values}, {@code ui_locales} and {@code display}; never the
     * client's {@code id_token_hint} (ours, meaningless there).
     */
    private Uni<Response> toUpstream(AuthorizationRequest request, UpstreamIdpEntry idp, String recentLogins) {
        PendingLogin login = loginCookies.pending(request, idp.id(), Secrets.random(), Secrets.random(), Secrets.random());
        List<NewCookie> cookies = loginCookies.begin(login, recentLogins, idp);
        UpstreamLogin.Parameters parameters = new UpstreamLogin.Parameters(request.prompt(), request.maxAge(), request.loginHint(),
                request.acrValues(), request.uiLocales(), request.display());
        return upstream.authorizationUrl(idp, login.state(), login.nonce(), login.codeVerifier(), parameters)
                .map(url -> {
                    metrics.started(idp.id());
                    Response.ResponseBuilder redirect = Response.status(302).location(url).header("Cache-Control", "no-store");
                    cookies.forEach(redirect::cookie);
                    return redirect.build();
                })
                .onFailure(UpstreamException.class).recoverWithItem(e -> {
                    metrics.failed("upstream_unavailable");
                    return upstreamUnavailable(idp, request.redirectUri(), request.state(), request.promptNone());
                });
    }

    /**
     * The upstream IdP does not answer: with {@code prompt=none} (no page may be shown) the client
     * gets {@code temporarily_unavailable} at once; otherwise the person sees a 503 page naming the
     * IdP, whose link takes them back to the client with that error.
     */
    public Response upstreamUnavailable(UpstreamIdpEntry idp, String redirectUri, String state, boolean promptNone) {
        String description = "the identity provider " + idp.id() + " is not available; try again later";
        if (promptNone) {
            return Redirects.error(config.issuer(), redirectUri, state, OAuthErrors.TEMPORARILY_UNAVAILABLE, description, null);
        }
        return pages.upstreamUnavailable(idp.id(), Redirects.errorLocation(config.issuer(), redirectUri, state,
                OAuthErrors.TEMPORARILY_UNAVAILABLE, description));
    }

    /**
     * The identity is known: exchange, issue a code, redirect (setting {@code cookie} when a session
     * began); or, when an API asks the user for something first, send the browser there
     * ({@link InteractionDetours}), or answer {@code interaction_required} to a {@code prompt=none}
     * request (OIDC Core §3.1.2.6), which allows no interaction.
     */
    public Uni<Response> finish(AuthorizationRequest request, Identity identity, NewCookie cookie) {
        return complete(request, identity, cookie, List.of(), null);
    }

    /**
     * The browser came back from an API's page ({@code /continue}): the authorities are asked again
     * with the login's upstream id_token, and the login goes to the next API that asks (none is asked
     * twice in one login) or finishes with what is granted now. An upstream id_token that expired
     * meanwhile can no longer be exchanged: the client gets {@code login_required}.
     *
     * @param declined the user declined at that page: the login finishes without what it waited for
     */
    public Uni<Response> resume(InteractionTickets.Waiting waiting, boolean declined) {
        AuthorizationRequest request = waiting.request();
        if (waiting.identity().upstreamExpiresAt() - MIN_REMAINING_SECONDS <= clock.instant().getEpochSecond()) {
            metrics.failed("upstream_id_token_expired");
            return Uni.createFrom().item(Redirects.error(config.issuer(), request.redirectUri(), request.state(), "login_required",
                    "the sign-in at the identity provider expired while the user was away at an API's page; sign in again", null));
        }
        return complete(request, waiting.identity(), null, waiting.visited(), new Returned(waiting.interaction(), declined));
    }

    /** The page the browser came back from, and whether the user declined there. */
    private record Returned(ExchangedTokens.Interaction interaction, boolean declined) {
    }

    /** @param visited the resources whose page the browser was sent to in this login */
    private Uni<Response> complete(AuthorizationRequest request, Identity identity, NewCookie cookie, List<String> visited,
            Returned returned) {
        List<String> apiScopes = request.scopes().stream().filter(s -> !OIDC_SCOPES.contains(s)).toList();
        return tokenService.exchange(identity.upstreamIdToken(), apiScopes, request.dpopJkt())
                .invoke(tokens -> {
                    if (returned != null) {
                        detours.returned(request, identity, returned.interaction(), returned.declined(), tokens);
                    }
                })
                .chain(tokens -> {
                    Optional<ExchangedTokens.Interaction> next = tokens.interactions().stream()
                            .filter(i -> !visited.contains(i.resource())).filter(detours::followable).findFirst();
                    if (next.isEmpty()) {
                        return issueCode(request, identity, cookie, tokens);
                    }
                    if (request.promptNone()) {
                        metrics.failed("interaction_required");
                        return detours.discard(tokens).replaceWith(Redirects.error(config.issuer(), request.redirectUri(), request.state(),
                                "interaction_required", next.get().resource() + " asks the user for something first ("
                                        + next.get().reason() + ")", cookie));
                    }
                    return detours.detour(request, identity, next.get(), visited, cookie, tokens);
                })
                .onFailure(OAuthException.class).recoverWithItem(e -> {
                    OAuthException o = (OAuthException) e;
                    metrics.failed(o.error());
                    String error = OAuthErrors.TEMPORARILY_UNAVAILABLE.equals(o.error()) ? o.error() : OAuthErrors.SERVER_ERROR;
                    return Redirects.error(config.issuer(), request.redirectUri(), request.state(), error, o.description(), cookie);
                });
    }

    private Uni<Response> issueCode(AuthorizationRequest request, Identity identity, NewCookie cookie, ExchangedTokens tokens) {
        return codes.issue(new AuthorizationCodes.CodeGrant(request, identity, tokens, clock.instant().getEpochSecond()))
                .map(code -> {
                    completed.fire(new LoginCompleted(request.clientId(), identity.idpId(), identity.subject()));
                    return Redirects.success(config.issuer(), request, code, cookie);
                });
    }
}
