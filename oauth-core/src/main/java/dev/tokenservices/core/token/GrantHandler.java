package dev.tokenservices.core.token;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.shared.oauth.FormRequest;
import io.smallrye.mutiny.Uni;
import java.util.Optional;

/**
 * One grant type at a token endpoint (RFC 6749 §4, §6; RFC 8628 §3.4; RFC 8693 §2.1). The
 * {@link TokenEndpoint} has already authenticated the client, checked that it may use this grant and
 * that the grant's required parameters are present, and verified the request's DPoP proof when it
 * carried one (RFC 9449 §5); the handler sees only the parameters it declares, applies its own rules
 * (binding its tokens to the proof's key or not) and describes the response.
 *
 * @param <R> the service's token response
 */
public interface GrantHandler<R> {

    /** The grant type this handler serves, with the parameters it takes (beyond client authentication). */
    Grant grant();

    default String grantType() {
        return grant().type();
    }

    /** @param proof the request's verified DPoP proof; empty when it carried none */
    Uni<R> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof);
}
