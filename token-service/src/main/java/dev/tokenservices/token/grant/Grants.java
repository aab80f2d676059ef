package dev.tokenservices.token.grant;

import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.core.token.TokenEndpoint;
import dev.tokenservices.token.config.TokenServiceConfig;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The token service's token endpoint: the core's steps with this service's grants, collected once, and
 * DPoP proofs checked against the endpoint's URL as discovery publishes it (from {@code ts.issuer}).
 */
public class Grants {

    @Produces
    @Singleton
    TokenEndpoint<TokenResponse> endpoint(ClientAuthenticator authenticator, Instance<GrantHandler<TokenResponse>> handlers,
            DpopVerifier dpop, TokenServiceConfig config) {
        return new TokenEndpoint<>(authenticator, handlers, dpop, config.issuer() + "/token");
    }
}
