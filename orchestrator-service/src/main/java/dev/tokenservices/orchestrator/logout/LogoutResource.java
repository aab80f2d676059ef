package dev.tokenservices.orchestrator.logout;

import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.authorize.Redirects;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.SsoSessions;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.orchestrator.web.Pages;
import dev.tokenservices.shared.jose.SigningKey;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
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
import java.net.URI;
import java.security.Signature;
import java.util.List;

/**
 * RP-Initiated Logout 1.0 (GET and POST). {@code id_token_hint} must be an id_token we signed (an
 * expired one is fine, §2); {@code post_logout_redirect_uri} must be registered, exactly, for the
 * client it or {@code client_id} names, and {@code state} is passed back. The SSO session ends (its
 * Redis record removed, the cookie expired); without a redirect the user sees a "signed out" page.
 * An invalid hint or an unregistered redirect ends nothing and shows an error page.
 */
@Path("/logout")
public class LogoutResource {

    private final IdTokenKeys keys;
    private final Clients clients;
    private final SsoSessions sessions;
    private final Pages pages;
    private final String issuer;

    public LogoutResource(IdTokenKeys keys, Clients clients, SsoSessions sessions, Pages pages, OrchestratorConfig config) {
        this.keys = keys;
        this.clients = clients;
        this.sessions = sessions;
        this.pages = pages;
        this.issuer = config.issuer();
    }

    @GET
    public Uni<Response> get(@Context HttpServerRequest http, @CookieParam(SsoSessions.COOKIE) String session) {
        String query = http.query();
        return logout(parse(FormRequest.FORM, query == null ? "" : query), session);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> post(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body,
            @CookieParam(SsoSessions.COOKIE) String session) {
        return logout(parse(contentType, body), session);
    }

    private static FormRequest parse(String contentType, String body) {
        try {
            return FormRequest.parse(contentType, body, null);
        } catch (OAuthException e) {
            throw PageException.badRequest("The sign-out request is malformed: " + e.description());
        }
    }

    private Uni<Response> logout(FormRequest params, String session) {
        String hint = params.get("id_token_hint");
        String clientId = params.get("client_id");
        String redirect = params.get("post_logout_redirect_uri");
        String state = params.get("state");
        if (hint != null) {
            String audience = verifiedAudience(hint);
            if (clientId != null && !clientId.equals(audience)) {
                throw PageException.badRequest("client_id does not match the id_token_hint.");
            }
            clientId = audience;
        }
        String target = null;
        if (redirect != null) {
            if (clientId == null) {
                throw PageException.badRequest("A post_logout_redirect_uri needs an id_token_hint or a client_id.");
            }
            ClientEntry client = clients.client(clientId).orElseThrow(() -> PageException.badRequest("The application is not registered here."));
            if (!client.postLogoutRedirectUris().contains(redirect)) {
                throw PageException.badRequest("The post_logout_redirect_uri is not registered for this application.");
            }
            target = state == null ? redirect
                    : redirect + (redirect.indexOf('?') >= 0 ? '&' : '?') + "state=" + Redirects.encode(state);
        }
        String location = target;
        return sessions.end(session)
                .onFailure(OAuthException.class).transform(e -> PageException.unavailable("The session store is not available; try again later."))
                .map(ignored -> {
                    Response response = location == null ? pages.loggedOut()
                            : Response.status(302).location(URI.create(location)).header("Cache-Control", "no-store").build();
                    return Response.fromResponse(response).cookie(sessions.expired()).build();
                });
    }

    /** The client an id_token of ours was issued to; its expiry does not matter here. */
    private String verifiedAudience(String idToken) {
        try {
            SignedJWT jwt = SignedJWT.parse(idToken);
            String kid = jwt.getHeader().getKeyID();
            SigningKey key = kid == null ? null : keys.key(kid).orElse(null);
            if (key == null || !key.algorithm().name().equals(jwt.getHeader().getAlgorithm().getName())) {
                throw PageException.badRequest("The id_token_hint was not issued here.");
            }
            Signature signature = Signature.getInstance(key.algorithm().jcaVerifySignature());
            signature.initVerify(key.publicKey());
            signature.update(jwt.getSigningInput());
            if (!signature.verify(jwt.getSignature().decode()) || !issuer.equals(jwt.getJWTClaimsSet().getIssuer())) {
                throw PageException.badRequest("The id_token_hint was not issued here.");
            }
            List<String> audience = jwt.getJWTClaimsSet().getAudience();
            if (audience == null || audience.size() != 1) {
                throw PageException.badRequest("The id_token_hint was not issued here.");
            }
            return audience.get(0);
        } catch (java.text.ParseException | java.security.GeneralSecurityException | RuntimeException e) {
            if (e instanceof PageException p) {
                throw p;
            }
            throw PageException.badRequest("The id_token_hint is not a valid id_token of this issuer.");
        }
    }
}
