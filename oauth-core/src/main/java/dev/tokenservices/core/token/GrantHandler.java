package dev.tokenservices.core.token;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.shared.oauth.FormRequest;
import io.smallrye.mutiny.Uni;

/**
 * One grant type at a token endpoint (RFC 6749 §4, §6; RFC 8628 §3.4; RFC 8693 §2.1). The
 * {@link TokenEndpoint} has already authenticated the client, checked that it may use this grant and
 * that the grant's required parameters are present; the handler sees only the parameters it
 * declares, applies its own rules and describes the response.
 *
 * @param <R> the service's token response
 */
public interface GrantHandler<R> {

    /** The grant type this handler serves, with the parameters it takes (beyond client authentication). */
    Grant grant();

    default String grantType() {
        return grant().type();
    }

    Uni<R> handle(FormRequest request, RegisteredClient client);
}
