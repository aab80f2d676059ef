package dev.tokenservices.token.authority;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.grant.ScopePolicy;
import dev.tokenservices.token.http.EventLoopClients;
import dev.tokenservices.token.subject.Subject;
import dev.tokenservices.token.support.TestAuthorities;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fan-out when this service itself is too busy to ask: with one connection and no queue, a second
 * exchange in flight is answered 503 — its scopes are not silently dropped, and the authority's
 * circuit is not blamed.
 */
class ScopeAuthoritiesTest {

    private static Vertx vertx;
    private static TestAuthorities authorities;
    private static SimpleMeterRegistry meters;
    private static ScopeAuthorities fanOut;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        authorities = new TestAuthorities();
        meters = new SimpleMeterRegistry();
        AuthorityClient oneConnection = new AuthorityClient(vertx,
                new EventLoopClients(vertx, new HttpClientOptions().setMaxPoolSize(1).setMaxWaitQueueSize(0)));
        fanOut = new ScopeAuthorities(oneConnection, Clock.systemUTC(), meters, config(new TokenServiceConfig.Authorities() {
            public int circuitFailureThreshold() {
                return 1;
            }

            public Duration circuitOpenDuration() {
                return Duration.ofMinutes(1);
            }

            public int maxConnections() {
                return 1;
            }

            public int maxWaiting() {
                return 0;
            }

            public int maxResponseBytes() {
                return 65536;
            }
        }));
    }

    @AfterAll
    static void stop() throws Exception {
        authorities.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFullConnectionQueueIsA503NotADroppedScopeNorAnOpenCircuit() throws Exception {
        ResourceEntry slow = new ResourceEntry("https://api.example/slow", List.of("slow.read"),
                new ResourceEntry.Authority(authorities.url() + "/slow", 5000, ResourceEntry.OnFailure.DROP));
        CompletableFuture<ScopeAuthorities.Outcome> first = decide(slow);
        CompletableFuture<ScopeAuthorities.Outcome> second = decide(slow);

        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> second.get(10, TimeUnit.SECONDS));
        OAuthException error = assertInstanceOf(OAuthException.class, refused.getCause());
        assertEquals(503, error.status());
        assertEquals("temporarily_unavailable", error.error());
        assertEquals(Set.of("slow.read"), first.get(10, TimeUnit.SECONDS).scopes(), "the call that was asked is answered");

        assertEquals(1.0, meters.get("ts.authority.failures").tag("reason", "overloaded").counter().count());
        assertEquals(0.0, meters.get("ts.authority.circuit.open").gauge().value(), "the authority is not blamed");
        assertEquals(Set.of("slow.read"), afterTheConnectionIsBack(slow).scopes(), "the next exchange asks again");
    }

    /**
     * The first call's answer completes before its connection is back in the pool (the pool takes it
     * back on the event loop right after): on a loaded machine a call made at once can still find the
     * queue full, so the next exchange is given a moment, as a client retrying after a 503 would be.
     */
    private static ScopeAuthorities.Outcome afterTheConnectionIsBack(ResourceEntry resource) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                return decide(resource).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof OAuthException) || attempt == 50) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    private static CompletableFuture<ScopeAuthorities.Outcome> decide(ResourceEntry resource) {
        Subject subject = new Subject("ann", "https://idp.example", Map.of(), Optional.empty(), Instant.MAX, Optional.empty(),
                Optional.empty());
        Uni<ScopeAuthorities.Outcome> outcome = fanOut.decide(new AuthorityRequest("tv-app", "urn:test", subject),
                new ScopePolicy.Decision(Set.of("slow.read"), List.of(resource.resource())), scope -> resource, "https://fallback");
        return outcome.subscribeAsCompletionStage();
    }

    /** Only the part of the configuration the fan-out reads. */
    private static TokenServiceConfig config(TokenServiceConfig.Authorities authorities) {
        return (TokenServiceConfig) Proxy.newProxyInstance(ScopeAuthoritiesTest.class.getClassLoader(),
                new Class<?>[] {TokenServiceConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("authorities")) {
                        return authorities;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
