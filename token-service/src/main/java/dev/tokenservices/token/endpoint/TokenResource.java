package dev.tokenservices.token.endpoint;

import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.token.audit.TokenIssued;
import dev.tokenservices.token.audit.TokenRejected;
import dev.tokenservices.token.client.ClientAuthenticator;
import dev.tokenservices.token.grant.GrantHandler;
import dev.tokenservices.token.grant.Grants;
import dev.tokenservices.token.grant.TokenResponse;
import dev.tokenservices.token.registry.RegisteredClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.event.Event;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The token endpoint (RFC 6749 §3.2): fixed pre-checks in order, then the grant's handler.
 * <ol>
 * <li>form body, no duplicate parameters;</li>
 * <li>client authentication;</li>
 * <li>{@code grant_type} present, supported, and allowed for this client;</li>
 * <li>the grant's handler.</li>
 * </ol>
 * Each answer is an audit event: {@link TokenIssued} or {@link TokenRejected}.
 */
@Path("/token")
public class TokenResource {

    private final ClientAuthenticator authenticator;
    private final Grants grants;
    private final Event<TokenIssued> issuedEvents;
    private final Event<TokenRejected> rejectedEvents;

    public TokenResource(ClientAuthenticator authenticator, Grants grants, Event<TokenIssued> issuedEvents,
            Event<TokenRejected> rejectedEvents) {
        this.authenticator = authenticator;
        this.grants = grants;
        this.issuedEvents = issuedEvents;
        this.rejectedEvents = rejectedEvents;
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
                    GrantHandler handler = grants.handler(request.get("grant_type")).orElse(null);
                    if (handler != null) {
                        grantLabel[0] = handler.grantType();
                    }
                    return authenticator.authenticate(request).chain(client -> dispatch(request, handler, client));
                })
                .onItemOrFailure().invoke((issued, failure) -> {
                    long nanos = System.nanoTime() - start;
                    if (failure == null) {
                        issuedEvents.fire(new TokenIssued(grantLabel[0], issued.clientId(), nanos));
                    } else {
                        rejectedEvents.fire(new TokenRejected(grantLabel[0],
                                failure instanceof OAuthException o ? o.error() : "server_error", nanos));
                    }
                })
                .map(issued -> ok(issued.token()));
    }

    private record Issued(String clientId, TokenResponse token) {
    }

    private Uni<Issued> dispatch(FormRequest request, GrantHandler handler, RegisteredClient client) {
        String grantType = request.get("grant_type");
        if (grantType == null) {
            throw OAuthException.invalidRequest("parameter 'grant_type' is required");
        }
        if (handler == null) {
            throw OAuthException.unsupportedGrantType("grant_type '" + FormRequest.printable(grantType) + "' is not supported");
        }
        if (!client.entry().allowsGrant(grantType)) {
            throw OAuthException.unauthorizedClient("this client is not allowed to use grant_type " + grantType);
        }
        return handler.handle(request, client).map(token -> new Issued(client.clientId(), token));
    }

    /** RFC 6749 §5.1: token responses are never cached. */
    static Response ok(TokenResponse token) {
        return Response.ok(token.toJson(), MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }
}
