package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.orchestrator.registry.Clients;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The orchestrator's client authentication: the core's authenticator over the registry file.
 * {@code private_key_jwt} is not offered here: the clients that log users in use a secret, or none
 * (public clients, always with PKCE).
 */
public class ClientAuthentication {

    @Produces
    @Singleton
    ClientAuthenticator authenticator(Clients clients) {
        return new ClientAuthenticator(clients::registered, null);
    }
}
