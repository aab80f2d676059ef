package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.PushedRequests;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pushed authorization request endpoint (RFC 9126 §2): the client authenticates as at /token,
 * the parameters are validated as /authorize validates them ({@link AuthorizationRequests}, PKCE
 * included), and the request is kept for a short while ({@link PushedRequests}) under a
 * {@code request_uri} that the client sends the browser to /authorize with. A DPoP proof sent along
 * binds the authorization code to its key, as {@code dpop_jkt} does (RFC 9449 §10.1; both sent: the
 * same key). Errors are RFC 6749 §5.2 JSON (§2.3), with the authorization endpoint's codes where it
 * has them.
 */
@Path("/par")
public class PushedAuthorizationResource {

    /** A pushed request is kept in Redis: its body is bounded well below the server's 64 KiB. */
    static final int MAX_BODY = 32 * 1024;
    /** Client authentication (RFC 6749 §2.3): checked here, never part of the request kept. */
    private static final Set<String> CLIENT_AUTHENTICATION = Set.of("client_secret", "client_assertion", "client_assertion_type");

    private final ClientAuthenticator authenticator;
    private final AuthorizationRequests requests;
    private final PushedRequests pushedRequests;
    private final DpopVerifier dpop;
    private final String url;

    public PushedAuthorizationResource(ClientAuthenticator authenticator, AuthorizationRequests requests, PushedRequests pushedRequests,
            DpopVerifier dpop, OrchestratorConfig config) {
        this.authenticator = authenticator;
        this.requests = requests;
        this.pushedRequests = pushedRequests;
        this.dpop = dpop;
        this.url = config.issuer() + "/par";
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> push(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(DpopVerifier.HEADER) List<String> proofs,
            String body) {
        return Uni.createFrom().deferred(() -> {
            if (body != null && body.length() > MAX_BODY) {
                throw new OAuthException(OAuthErrors.INVALID_REQUEST, "a pushed authorization request is at most " + MAX_BODY + " bytes", 413);
            }
            FormRequest form = FormRequest.parse(contentType, body, authorization, AuthorizationRequests.REPEATABLE);
            return authenticator.authenticate(form).chain(client -> push(form, client, proofs == null ? List.of() : proofs));
        });
    }

    private Uni<Response> push(FormRequest form, RegisteredClient client, List<String> proofs) {
        if (form.get("request_uri") != null) {
            throw OAuthException.invalidRequest("request_uri cannot be pushed (RFC 9126 section 2.1)");
        }
        Map<String, List<String>> parameters = new LinkedHashMap<>(form.parameters());
        parameters.keySet().removeAll(CLIENT_AUTHENTICATION);
        // with client_secret_basic the body may leave client_id out; the request's client is the authenticated one
        parameters.put("client_id", List.of(client.clientId()));
        FormRequest request = new FormRequest(parameters, null);
        // the proof last, once the request is known to be sound: a refused request uses up no proof
        return validate(request).chain(() -> proofs.isEmpty() ? Uni.createFrom().voidItem()
                        : dpop.verify(proofs, "POST", url).invoke(proof -> {
                            String dpopJkt = request.get("dpop_jkt");
                            if (dpopJkt != null && !dpopJkt.equals(proof.jkt())) {
                                throw OAuthException.invalidDpopProof("dpop_jkt is not the thumbprint of the DPoP proof's key");
                            }
                            parameters.put("dpop_jkt", List.of(proof.jkt()));
                        }).replaceWithVoid())
                .chain(() -> pushedRequests.push(new PushedRequests.Pushed(client.clientId(), parameters)))
                .map(requestUri -> Response.status(201).type(MediaType.APPLICATION_JSON_TYPE)
                        .entity(Json.write(Map.of("request_uri", requestUri, "expires_in", pushedRequests.lifetime().toSeconds())))
                        .header("Cache-Control", "no-store").header("Pragma", "no-cache").build());
    }

    /**
     * As /authorize would (RFC 9126 §2.1), with its errors as JSON (there is no browser here to show a
     * page to): what /authorize shows as an error page is {@code invalid_request} (a client or redirect
     * URI it would refuse), or 503 {@code temporarily_unavailable} while the client cannot be looked up.
     */
    private Uni<Void> validate(FormRequest request) {
        return Uni.createFrom().deferred(() -> requests.target(request))
                .onFailure(PageException.class).transform(e -> ((PageException) e).status() == 503
                        ? OAuthException.temporarilyUnavailable(e.getMessage())
                        : OAuthException.invalidRequest(e.getMessage()))
                .invoke(target -> {
                    try {
                        requests.checkCodeProtection(requests.validate(target, request, true));
                    } catch (AuthorizeError e) {
                        throw new OAuthException(e.error(), e.getMessage(), 400);
                    }
                })
                .replaceWithVoid();
    }
}
