package dev.tokenservices.token.client;

import dev.tokenservices.core.client.ClientAssertions;
import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.registry.RegistryCache;
import dev.tokenservices.token.revocation.JtiStore;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The token service's client authentication: the core's authenticator over the registry, with
 * {@code private_key_jwt} assertions addressed to this issuer, their jti remembered in Redis.
 */
public class ClientAuthentication {

    @Produces
    @Singleton
    ClientAuthenticator authenticator(RegistryCache registry, JtiStore jtis, Clock clock, TokenServiceConfig config) {
        return new ClientAuthenticator(registry::client, new ClientAssertions(config.issuer(), config.clockSkew(), clock, jtis));
    }
}
