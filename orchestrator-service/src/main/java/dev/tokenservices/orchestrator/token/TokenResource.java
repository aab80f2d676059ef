package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.HashMap;
import java.util.Map;

/**
 * The orchestrator's token endpoint (OIDC Core §3.1.3): form body without duplicate parameters,
 * client authentication, grant type supported and allowed for the client, then the grant's handler.
 * Answers carry {@code Cache-Control: no-store}; errors are §5.2 JSON.
 */
@Path("/token")
public class TokenResource {

    private final ClientAuthenticator authenticator;
    private final Map<String, GrantHandler> grants = new HashMap<>();

    public TokenResource(ClientAuthenticator authenticator, Instance<GrantHandler> handlers) {
        this.authenticator = authenticator;
        for (GrantHandler handler : handlers) {
            if (grants.put(handler.grantType(), handler) != null) {
                throw new IllegalStateException("two handlers for grant type " + handler.grantType());
            }
        }
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> token(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, String body) {
        return Uni.createFrom().deferred(() -> {
            FormRequest request = FormRequest.parse(contentType, body, authorization);
            return authenticator.authenticate(request).chain(client -> dispatch(request, client));
        }).map(json -> Response.ok(Json.write(json), MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store").header("Pragma", "no-cache").build());
    }

    private Uni<Map<String, Object>> dispatch(FormRequest request, RegisteredClient client) {
            String grantType = request.get("grant_type");
            if (grantType == null) {
                throw OAuthException.invalidRequest("parameter 'grant_type' is required");
            }
            GrantHandler handler = grants.get(grantType);
            if (handler == null) {
                throw OAuthException.unsupportedGrantType("grant_type '" + FormRequest.printable(grantType) + "' is not supported");
            }
            if (!client.allowsGrant(grantType)) {
                throw OAuthException.unauthorizedClient("this client is not allowed to use grant_type " + grantType);
            }
            return handler.handle(request, client.entry());
    }
}
