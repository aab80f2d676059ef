package dev.tokenservices.token.endpoint;

import dev.tokenservices.core.token.TokenEndpoint;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.token.audit.TokenMetrics;
import dev.tokenservices.token.grant.TokenResponse;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The token endpoint (RFC 6749 §3.2): the form body parsed (no repeated parameter but the resource
 * indicators), then the {@link TokenEndpoint}'s steps: client authentication, the grant, its
 * parameters, its handler. Every answer is counted by grant type.
 */
@Path("/token")
public class TokenResource {

    private final TokenEndpoint<TokenResponse> endpoint;
    private final TokenMetrics metrics;

    public TokenResource(TokenEndpoint<TokenResponse> endpoint, TokenMetrics metrics) {
        this.endpoint = endpoint;
        this.metrics = metrics;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> token(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, String body) {
        long start = System.nanoTime();
        String[] grantLabel = {"unknown"};
        return Uni.createFrom().deferred(() -> {
                    FormRequest request = FormRequest.parse(contentType, body, authorization, FormRequest.RESOURCE_INDICATORS);
                    endpoint.handler(request.get("grant_type")).ifPresent(handler -> grantLabel[0] = handler.grantType());
                    return endpoint.token(request);
                })
                .onItemOrFailure().invoke((issued, failure) -> {
                    if (failure == null) {
                        metrics.issued(grantLabel[0], issued.client().clientId(), start);
                    } else {
                        metrics.rejected(grantLabel[0], failure instanceof OAuthException o ? o.error() : "server_error", start);
                    }
                })
                .map(issued -> TokenEndpoint.ok(issued.token().toJson()));
    }
}
