package dev.tokenservices.token.grant;

import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.core.token.TokenEndpoint;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The token service's token endpoint: the core's steps with this service's grants, collected once. */
public class Grants {

    @Produces
    @Singleton
    TokenEndpoint<TokenResponse> endpoint(ClientAuthenticator authenticator, Instance<GrantHandler<TokenResponse>> handlers) {
        return new TokenEndpoint<>(authenticator, handlers);
    }
}
