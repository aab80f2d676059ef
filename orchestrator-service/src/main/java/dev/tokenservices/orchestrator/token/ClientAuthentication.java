package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.ClientAssertions;
import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.metadata.ClientMetadataException;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.shared.oauth.OAuthException;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The orchestrator's client authentication: the core's authenticator over every client {@link Clients}
 * finds (the registry file, Client ID Metadata Documents, registered clients), with
 * {@code private_key_jwt} assertions addressed to this issuer (a metadata document's client has no
 * secret: it is public, or signs with the keys its document names). A client whose metadata document
 * cannot be used is {@code invalid_client}, saying why.
 */
public class ClientAuthentication {

    @Produces
    @Singleton
    ClientAuthenticator authenticator(Clients clients, AssertionReplays replays, Clock clock, OrchestratorConfig config) {
        return ClientAuthenticator.lookingUp(clientId -> clients.find(clientId).onFailure(ClientMetadataException.class)
                        .transform(e -> OAuthException.invalidClient("the client's metadata document cannot be used: " + e.getMessage())),
                new ClientAssertions(config.issuer(), config.clockSkew(), clock, replays));
    }
}
