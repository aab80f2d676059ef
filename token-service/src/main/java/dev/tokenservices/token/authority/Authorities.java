package dev.tokenservices.token.authority;

import dev.tokenservices.core.authority.AuthorityCalls;
import dev.tokenservices.core.authority.AuthorityClient;
import dev.tokenservices.core.authority.ScopeAuthorities;
import dev.tokenservices.core.authority.ScopeDecided;
import dev.tokenservices.core.http.EventLoopClients;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.http.HttpClients;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The scope authorities' fan-out of oauth-core, as this service's beans: calls over the per-event-loop
 * clients, bounded by {@code ts.authorities.*}, every decision a {@link ScopeDecided} CDI event (the
 * audit line and the metrics observe it).
 */
@ApplicationScoped
public class Authorities {

    @Produces
    @Singleton
    AuthorityCalls calls(EventLoopClients clients, MeterRegistry meters, Event<ScopeDecided> decided, TokenServiceConfig config) {
        return new AuthorityCalls(new AuthorityClient(clients), meters, decided::fire, HttpClients.limits(config.authorities()));
    }

    @Produces
    @Singleton
    ScopeAuthorities scopeAuthorities(AuthorityCalls calls) {
        return new ScopeAuthorities(calls);
    }
}
