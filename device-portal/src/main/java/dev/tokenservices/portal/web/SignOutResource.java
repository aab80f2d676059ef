package dev.tokenservices.portal.web;

import dev.tokenservices.portal.config.PortalConfig;
import io.quarkus.oidc.IdToken;
import io.quarkus.oidc.OidcConfigurationMetadata;
import io.quarkus.oidc.OidcSession;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * "Not you? Sign out" on the consent page: ends the portal's session (its session cookie), then
 * sends the browser to the provider's end-session endpoint (OpenID Connect RP-Initiated Logout 1.0
 * §2) with {@code id_token_hint}, {@code client_id}, {@code post_logout_redirect_uri} =
 * {@code <portal>/device} (registered for {@code device-portal}) and a {@code state}, so that the
 * orchestrator's session ends too and the next code asks for a login again. A POST with the CSRF
 * token: no other site can sign the user out.
 */
@Path("/device/sign-out")
public class SignOutResource {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    @IdToken
    JsonWebToken idToken;

    @Inject
    OidcSession session;

    @Inject
    OidcConfigurationMetadata provider;

    private final Csrf csrf;
    private final PortalConfig config;
    private final String clientId;
    private final String issuer;

    public SignOutResource(Csrf csrf, PortalConfig config, @ConfigProperty(name = "quarkus.oidc.client-id") String clientId,
            @ConfigProperty(name = "quarkus.oidc.auth-server-url") String issuer) {
        this.csrf = csrf;
        this.config = config;
        this.clientId = clientId;
        this.issuer = issuer;
    }

    @POST
    @Authenticated
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(Html.MEDIA_TYPE)
    public Uni<Response> signOut(byte[] body, @CookieParam(Csrf.COOKIE) String cookie) {
        FormBody form = FormBody.parse(body).orElse(null);
        if (form == null) {
            return Uni.createFrom().item(Html.unreadableForm());
        }
        if (!csrf.verify(cookie, form.get(Csrf.FIELD))) {
            return Uni.createFrom().item(Html.forbiddenForm());
        }
        String idTokenHint = idToken.getRawToken();
        return session.logout().map(ignored -> Response.seeOther(endSession(idTokenHint)).build());
    }

    /**
     * A sign-out form sent after the session had ended went through a login first (the POST needs
     * one) and comes back here as a GET: nothing is left to do.
     */
    @GET
    public Response afterLogin() {
        return Response.seeOther(URI.create("/device")).build();
    }

    private URI endSession(String idTokenHint) {
        String endpoint = Optional.ofNullable(provider).map(OidcConfigurationMetadata::getEndSessionUri)
                .filter(uri -> !uri.isBlank())
                .orElse(issuer.replaceAll("/+$", "") + "/logout");
        byte[] state = new byte[16];
        RANDOM.nextBytes(state);
        return UriBuilder.fromUri(endpoint)
                .queryParam("id_token_hint", idTokenHint)
                .queryParam("client_id", clientId)
                .queryParam("post_logout_redirect_uri", config.url().toString().replaceAll("/+$", "") + "/device")
                .queryParam("state", Base64.getUrlEncoder().withoutPadding().encodeToString(state))
                .build();
    }
}
