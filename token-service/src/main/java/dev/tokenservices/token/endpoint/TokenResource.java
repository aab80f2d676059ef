package dev.tokenservices.token.endpoint;

import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.core.token.TokenEndpoint;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.token.audit.TokenIssued;
import dev.tokenservices.token.audit.TokenRejected;
import dev.tokenservices.token.grant.TokenResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.event.Event;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The token endpoint (RFC 6749 §3.2): the form body parsed (no repeated parameter but the resource
 * indicators), then the {@link TokenEndpoint}'s steps: client authentication, the grant, its
 * parameters, the {@code DPoP} proof when the request carries one (RFC 9449), its handler. Each answer is an audit event: {@link TokenIssued} or {@link TokenRejected}.
 */
@Path("/token")
public class TokenResource {

    private final TokenEndpoint<TokenResponse> endpoint;
    private final Event<TokenIssued> issuedEvents;
    private final Event<TokenRejected> rejectedEvents;

    public TokenResource(TokenEndpoint<TokenResponse> endpoint, Event<TokenIssued> issuedEvents, Event<TokenRejected> rejectedEvents) {
        this.endpoint = endpoint;
        this.issuedEvents = issuedEvents;
        this.rejectedEvents = rejectedEvents;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<String>> token(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(DpopVerifier.HEADER) List<String> proofs,
            String body) {
        long start = System.nanoTime();
        String[] grantLabel = {"unknown"};
        return Uni.createFrom().deferred(() -> {
                    FormRequest request = FormRequest.parse(contentType, body, authorization, FormRequest.RESOURCE_INDICATORS);
                    endpoint.handler(request.get("grant_type")).ifPresent(handler -> grantLabel[0] = handler.grantType());
                    return endpoint.token(request, proofs == null ? List.of() : proofs);
                })
                .onItemOrFailure().invoke((issued, failure) -> {
                    long nanos = System.nanoTime() - start;
                    if (failure == null) {
                        issuedEvents.fire(new TokenIssued(grantLabel[0], issued.client().clientId(), nanos));
                    } else {
                        rejectedEvents.fire(new TokenRejected(grantLabel[0],
                                failure instanceof OAuthException o ? o.error() : "server_error", nanos));
                    }
                })
                .map(issued -> TokenEndpoint.ok(issued.token().toJson()));
    }
}
