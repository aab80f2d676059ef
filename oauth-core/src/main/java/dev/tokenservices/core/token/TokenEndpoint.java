package dev.tokenservices.core.token;

import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.MediaType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The token endpoint of both authorization servers (RFC 6749 §3.2) as named steps, once the body is
 * parsed ({@link FormRequest}: form encoding, no repeated parameter):
 * <ol>
 * <li>{@link #authenticate}: client authentication (RFC 6749 §2.3);</li>
 * <li>{@link #grant}: {@code grant_type} present, supported, and allowed for this client;</li>
 * <li>{@link #parameters}: the grant's required parameters present; it sees only those it declares;</li>
 * <li>{@link #proof}: the request's DPoP proof (RFC 9449 §5) verified when it carries one, required
 * when the client is registered with {@code dpop_bound_access_tokens};</li>
 * <li>the grant's handler; the service writes its response with {@link #ok}.</li>
 * </ol>
 * Each service plugs in its client lookup (through the {@link ClientAuthenticator}) and its grants;
 * two grants for one grant type stop start-up. A request without a DPoP header does no DPoP work at
 * all (nothing is read from or written to Redis for it).
 *
 * @param <R> the service's token response
 */
public final class TokenEndpoint<R> {

    private static final Uni<Optional<DpopProof>> NO_PROOF = Uni.createFrom().item(Optional.empty());

    private final ClientAuthenticator authenticator;
    private final Map<String, GrantHandler<R>> byType;
    private final DpopVerifier dpop;
    private final String url;

    /** A token endpoint without DPoP: a {@code DPoP} header is ignored (RFC 9449 §5 lets a server issue Bearer tokens). */
    public TokenEndpoint(ClientAuthenticator authenticator, Iterable<? extends GrantHandler<R>> handlers) {
        this(authenticator, handlers, null, null);
    }

    /**
     * A token endpoint with DPoP.
     *
     * @param url the endpoint's public URL, as discovery publishes it: a proof's {@code htu} must name it
     */
    public TokenEndpoint(ClientAuthenticator authenticator, Iterable<? extends GrantHandler<R>> handlers, DpopVerifier dpop,
            String url) {
        this.authenticator = authenticator;
        this.dpop = dpop;
        this.url = url;
        Map<String, GrantHandler<R>> map = new HashMap<>();
        for (GrantHandler<R> handler : handlers) {
            GrantHandler<R> previous = map.putIfAbsent(handler.grantType(), handler);
            if (previous != null) {
                throw new IllegalStateException("grant type " + handler.grantType() + " is handled by both "
                        + previous.getClass().getSimpleName() + " and " + handler.getClass().getSimpleName());
            }
        }
        this.byType = Map.copyOf(map);
    }

    /** What a token request issued, and to whom. */
    public record Issued<R>(RegisteredClient client, R token) {
    }

    /** A request without a DPoP header. */
    public Uni<Issued<R>> token(FormRequest request) {
        return token(request, List.of());
    }

    /** @param dpopHeaders every {@code DPoP} header of the request (none, one, or too many) */
    public Uni<Issued<R>> token(FormRequest request, List<String> dpopHeaders) {
        return authenticate(request).chain(client -> {
            GrantHandler<R> handler = grant(request, client);
            FormRequest parameters = parameters(request, handler);
            return proof(client, dpopHeaders)
                    .chain(proof -> handler.handle(parameters, client, proof))
                    .map(token -> new Issued<>(client, token));
        });
    }

    /**
     * The request's DPoP proof, verified for this endpoint, once the client is known (an unauthenticated
     * request records nothing). Without a header: none, unless the client must send one (RFC 9449 §5.2).
     */
    public Uni<Optional<DpopProof>> proof(RegisteredClient client, List<String> dpopHeaders) {
        if (dpopHeaders == null || dpopHeaders.isEmpty()) {
            if (client.entry().dpopBoundAccessTokens()) {
                throw OAuthException.invalidDpopProof("this client is registered with dpop_bound_access_tokens:"
                        + " every token request must carry a DPoP proof");
            }
            return NO_PROOF;
        }
        if (dpop == null) {
            return NO_PROOF;
        }
        return dpop.verify(dpopHeaders, "POST", url).map(Optional::of);
    }

    public Uni<RegisteredClient> authenticate(FormRequest request) {
        return authenticator.authenticate(request);
    }

    public GrantHandler<R> grant(FormRequest request, RegisteredClient client) {
        String grantType = request.get("grant_type");
        if (grantType == null) {
            throw OAuthException.invalidRequest("parameter 'grant_type' is required");
        }
        GrantHandler<R> handler = byType.get(grantType);
        if (handler == null) {
            throw OAuthException.unsupportedGrantType("grant_type '" + FormRequest.printable(grantType) + "' is not supported");
        }
        if (!client.allowsGrant(grantType)) {
            throw OAuthException.unauthorizedClient("this client is not allowed to use grant_type " + grantType);
        }
        return handler;
    }

    /** The request as the grant sees it: its required parameters checked, and only its own parameters readable. */
    public static FormRequest parameters(FormRequest request, GrantHandler<?> handler) {
        GrantParameters parameters = handler.grant().parameters();
        for (String name : parameters.required()) {
            request.require(name);
        }
        return request.only(parameters.names());
    }

    public Optional<GrantHandler<R>> handler(String grantType) {
        return grantType == null ? Optional.empty() : Optional.ofNullable(byType.get(grantType));
    }

    public Set<String> supported() {
        return byType.keySet();
    }

    /**
     * The answer (RFC 6749 §5.1: a token response is never cached). Typed, so the framework picks its
     * writer once at build time rather than looking one up for each response (3 % of an exchange's CPU
     * in the profile, bench/README.md).
     */
    public static RestResponse<String> ok(String json) {
        return RestResponse.ResponseBuilder.ok(json, MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }
}
