package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.core.token.TokenEndpoint;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.FormRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The orchestrator's token endpoint (OIDC Core §3.1.3): the form body parsed without repeated
 * parameters (but {@code resource}, RFC 8707 §2), then the {@link TokenEndpoint}'s steps (client
 * authentication, the grant, its parameters, the {@code DPoP} proof when there is one, its handler).
 * Answers carry {@code Cache-Control: no-store}; errors are §5.2 JSON.
 */
@Path("/token")
public class TokenResource {

    private final TokenEndpoint<Map<String, Object>> endpoint;

    public TokenResource(TokenEndpoint<Map<String, Object>> endpoint) {
        this.endpoint = endpoint;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<String>> token(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(DpopVerifier.HEADER) List<String> proofs,
            String body) {
        return Uni.createFrom().deferred(() -> endpoint.token(FormRequest.parse(contentType, body, authorization, Set.of("resource")),
                        proofs == null ? List.of() : proofs))
                .map(issued -> TokenEndpoint.ok(Json.write(issued.token())));
    }
}
