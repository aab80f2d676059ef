package dev.tokenservices.orchestrator.demo;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tokenservices.orchestrator.authorize.Redirects;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.RedisStore;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.orchestrator.web.Pages;
import dev.tokenservices.shared.oauth.BasicCredentials;
import dev.tokenservices.shared.oauth.FormRequest;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A DEMO CLIENT for newcomers, not part of the provider: {@code demo-app} logs in here like any
 * web app would (code flow with PKCE, its secret from {@code DEMO_APP_SECRET}), and shows what came
 * back: the minted id_token's claims, the upstream IdP's id_token, the access tokens with the scope
 * each was granted, and the refresh token. Token payloads are decoded for display only (a real
 * client validates them, e.g. with a certified library).
 *
 * <p>Built in only when {@code orchestrator.demo.enabled=true} at build time ({@code ./run.sh} builds so,
 * and dev mode): the production build has no /demo at all.
 */
@Path("/demo")
@IfBuildProperty(name = "orchestrator.demo.enabled", stringValue = "true")
public class DemoResource {

    static final String SCOPE = "openid profile email invoices.read media.play";

    private final OrchestratorConfig config;
    private final RedisStore store;
    private final Template demo;
    private final WebClient web;
    private final String redirectUri;
    private final String tokenUrl;

    public DemoResource(OrchestratorConfig config, RedisStore store, @Location("demo.html") Template demo, Vertx vertx,
            @ConfigProperty(name = "quarkus.http.port") int port) {
        this.config = config;
        this.store = store;
        this.demo = demo;
        this.web = WebClient.create(vertx);
        this.redirectUri = config.issuer() + "/demo/callback";
        this.tokenUrl = "http://127.0.0.1:" + port + "/token";
    }

    /**
     * One part of the page: a heading (with the scope granted, for an access token), a line of text,
     * decoded claims and the token itself (shown at once when {@code open}, else folded away).
     */
    @TemplateData
    public record Section(String title, String scope, String note, String claims, String token, boolean open) {

        static Section note(String title, String note) {
            return new Section(title, null, note, null, null, false);
        }

        static Section token(String title, String scope, String note, Object token) {
            return new Section(title, scope, note, DemoResource.claims(token), token instanceof String s ? s : null, false);
        }
    }

    @GET
    public Uni<Response> start() {
        if (config.demo().clientSecret().filter(s -> !s.isBlank()).isEmpty()) {
            return Uni.createFrom().item(page("The demo client is off", null, List.of(Section.note("How to turn it on",
                    "Set DEMO_APP_SECRET (32+ characters) and register demo-app in the registry to enable it."))));
        }
        String state = Secrets.random();
        String nonce = Secrets.random();
        String verifier = Secrets.random();
        String url = config.issuer() + "/authorize?response_type=code&client_id=" + Redirects.encode(config.demo().clientId())
                + "&redirect_uri=" + Redirects.encode(redirectUri) + "&scope=" + Redirects.encode(SCOPE)
                + "&state=" + state + "&nonce=" + nonce + "&code_challenge=" + Secrets.s256(verifier) + "&code_challenge_method=S256";
        return store.put("demo:" + Secrets.hash("demo", state), verifier + " " + nonce, Duration.ofMinutes(10))
                .replaceWith(Response.status(302).location(URI.create(url)).header("Cache-Control", "no-store").build());
    }

    @GET
    @Path("callback")
    public Uni<Response> callback(@QueryParam("code") String code, @QueryParam("state") String state,
            @QueryParam("error") String error, @QueryParam("error_description") String description) {
        if (error != null) {
            return Uni.createFrom().item(page("The login ended with an error", null,
                    List.of(Section.note("What the orchestrator answered", error + ": " + description))));
        }
        if (state == null || code == null) {
            return Uni.createFrom().item(page("Nothing to show", null, List.of(Section.note("Start again", "Start at /demo."))));
        }
        return store.take("demo:" + Secrets.hash("demo", state)).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(page("Unknown or used state", null, List.of(Section.note("Start again", "Start again at /demo."))));
            }
            String verifier = found.get().split(" ")[0];
            String body = FormRequest.body(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", redirectUri,
                    "code_verifier", verifier));
            String basic = new BasicCredentials(config.demo().clientId(), config.demo().clientSecret().orElse("")).header();
            return web.postAbs(tokenUrl).putHeader("Content-Type", "application/x-www-form-urlencoded")
                    .putHeader("Authorization", basic).timeout(10_000).sendBuffer(Buffer.buffer(body))
                    .map(response -> tokens(Json.object(response.bodyAsString()), response.statusCode()));
        });
    }

    /** What the token endpoint answered; every scope shown is the one granted, as the response says. */
    @SuppressWarnings("unchecked")
    private Response tokens(Map<String, Object> tokens, int status) {
        if (tokens.containsKey("error")) {
            return page("The token endpoint refused", null, List.of(new Section("HTTP " + status, null, null, pretty(tokens), null, false)));
        }
        String granted = String.valueOf(tokens.get("scope"));
        List<Section> out = new ArrayList<>();
        out.add(Section.token("id_token", null, "Minted by the orchestrator for demo-app.", tokens.get("id_token")));
        out.add(Section.token("access_token", granted, "The orchestrator's own, for its /userinfo.", tokens.get("access_token")));
        if (tokens.get("access_tokens") instanceof Map<?, ?> perResource) {
            perResource.forEach((resource, t) -> {
                Map<String, Object> token = (Map<String, Object>) t;
                out.add(Section.token("access_tokens[" + resource + "]", String.valueOf(token.get("scope")),
                        "For the API " + resource + ".", token.get("access_token")));
            });
        }
        if (tokens.get("interaction_required") != null) {
            // the user declined (or left undone) what an API asked for on the way: its scopes are not in the tokens above
            out.add(new Section("interaction_required", null, "An API still waits for the user: its scopes were left out of the tokens above.",
                    pretty(tokens.get("interaction_required")), null, true));
        }
        if (tokens.get("refresh_token") instanceof String refresh) {
            out.add(new Section("refresh_token", null, "Opaque: the client sends it to /token for new tokens; nothing to decode.",
                    null, refresh, true));
        } else {
            out.add(Section.note("refresh_token", "None came back."));
        }
        out.add(Section.token("upstream_id_token", null, "The identity provider's own id_token, untouched.", tokens.get("upstream_id_token")));
        return page("Signed in: what came back", granted, out);
    }

    private static String claims(Object jwt) {
        if (!(jwt instanceof String s)) {
            return "(not in the response)";
        }
        if (s.split("\\.").length != 3) {
            return "(opaque: nothing to decode)";
        }
        try {
            return pretty(Json.object(new String(Base64.getUrlDecoder().decode(s.split("\\.")[1]), StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            return "(not readable)";
        }
    }

    private static String pretty(Object value) {
        try {
            return Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return String.valueOf(value);
        }
    }

    private Response page(String heading, String grantedScope, List<Section> sections) {
        return Pages.html(200, demo.data("heading", heading).data("grantedScope", grantedScope).data("sections", sections).render());
    }
}
