package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.core.token.TokenEndpoint;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * The orchestrator's token endpoint: the core's steps with its two grants (authorization_code,
 * refresh_token), and DPoP proofs (RFC 9449 §5) for its published URL.
 */
public class Grants {

    @Produces
    @Singleton
    TokenEndpoint<Map<String, Object>> endpoint(ClientAuthenticator authenticator, Instance<GrantHandler<Map<String, Object>>> handlers,
            DpopVerifier dpop, OrchestratorConfig config) {
        return new TokenEndpoint<>(authenticator, handlers, dpop, config.issuer() + "/token");
    }
}
