package dev.tokenservices.token.authority;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.token.audit.ScopeDecided;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.util.TypeLiteral;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/**
 * One call to a resource's scope authority under that resource's guard (SmallRye Fault Tolerance,
 * one guard per resource, so a slow or dead authority costs only its own calls):
 * <ul>
 * <li>a <b>timeout</b> of the authority's {@code timeout_ms}, waiting for a connection included; a call
 * that times out is aborted (its request reset);</li>
 * <li>a <b>circuit breaker</b>: after {@code ts.authorities.circuit-failure-threshold} failures in a row
 * it opens, and calls fail at once for {@code circuit-open-duration}; then one trial call decides;</li>
 * <li>a <b>bulkhead</b>: {@code ts.authorities.max-concurrent-calls} calls in flight, up to
 * {@code max-waiting} more waiting for a place; past that the call is refused at once
 * ({@link BulkheadException}): this service is too busy, the authority was not asked and is not
 * blamed (its circuit counts the refusal as a success, never as a failure).</li>
 * </ul>
 * The guard returns a {@link Uni} and runs on the caller's event loop: nothing blocks, and a timeout
 * fires on the loop that made the call. Every decision, and every failure to decide, is a
 * {@link ScopeDecided} event (the audit line and the metrics).
 */
@ApplicationScoped
public class AuthorityCalls {

    private static final TypeLiteral<Uni<AuthorityAnswer>> ANSWER = new TypeLiteral<>() {
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuthorityClient client;
    private final MeterRegistry meters;
    private final Event<ScopeDecided> decided;
    private final TokenServiceConfig.Authorities config;
    private final ConcurrentMap<String, Guarded> guards = new ConcurrentHashMap<>();

    /**
     * What a resource's authority granted: on a failure nothing, and the resource's {@code on_failure}
     * decides what that means for the request.
     */
    public record Result(ResourceEntry resource, Set<String> granted, Map<String, Object> claims, boolean failed) {
    }

    /** A resource's guard, made for the authority settings it was built with; {@code open} mirrors its circuit. */
    private static final class Guarded {
        final ResourceEntry.Authority authority;
        TypedGuard<Uni<AuthorityAnswer>> guard;
        volatile boolean open;

        Guarded(ResourceEntry.Authority authority) {
            this.authority = authority;
        }
    }

    public AuthorityCalls(AuthorityClient client, MeterRegistry meters, Event<ScopeDecided> decided, TokenServiceConfig config) {
        this.client = client;
        this.meters = meters;
        this.decided = decided;
        this.config = config.authorities();
    }

    /**
     * What the resource's authority grants of {@code scopes}. Never fails, except when this service is
     * too busy to ask at all (503 {@code temporarily_unavailable}: a retry will do): a failure of the
     * authority is a failed {@link Result}.
     */
    public Uni<Result> ask(ResourceEntry resource, List<String> scopes, AuthorityRequest request) {
        long start = System.nanoTime();
        return guarded(resource, scopes, payload(resource, scopes, request))
                .map(answer -> {
                    fire(resource, scopes, request, answer.decision(), answer.granted(), null, null, start, null);
                    return new Result(resource, answer.granted(), answer.claims(), false);
                })
                .onFailure().recoverWithUni(e -> {
                    if (e instanceof BulkheadException) {
                        // the authority was not asked: not its failure, and not a reason to drop its scopes
                        fire(resource, scopes, request, ScopeDecided.FAILURE, Set.of(), "overloaded", e.getMessage(), start,
                                "unavailable");
                        return Uni.createFrom().failure(OAuthException.temporarilyUnavailable(
                                "too many requests in flight to ask the scope authority for " + resource.resource()
                                        + "; try again shortly"));
                    }
                    if (e instanceof CircuitBreakerOpenException) {
                        return Uni.createFrom().item(failed(resource, scopes, request, "circuit_open", null, start));
                    }
                    if (e instanceof AuthorityFailure failure) {
                        return Uni.createFrom().item(failed(resource, scopes, request, failure.reason(), failure.detail(), start));
                    }
                    return Uni.createFrom().failure(e);
                });
    }

    /** A failed call, answered by the resource's {@code on_failure}. */
    private Result failed(ResourceEntry resource, List<String> scopes, AuthorityRequest request, String reason, String cause,
            long start) {
        fire(resource, scopes, request, ScopeDecided.FAILURE, Set.of(), reason, cause, start,
                resource.authority().onFailure().name().toLowerCase(Locale.ROOT));
        return new Result(resource, Set.of(), Map.of(), true);
    }

    /** @param consequence for a failure, what it led to: {@code drop}, {@code deny} or {@code unavailable} */
    private void fire(ResourceEntry resource, List<String> scopes, AuthorityRequest request, String decision, Set<String> granted,
            String reason, String cause, long start, String consequence) {
        decided.fire(new ScopeDecided(resource.resource(), request.clientId(), request.subject().subject(),
                request.subject().issuer(), scopes, decision, granted, reason, consequence, cause, (System.nanoTime() - start) / 1000));
    }

    /**
     * The authority's answer for {@code scopes}, under the resource's guard. Fails with an
     * {@link AuthorityFailure} (the authority failed), a {@link CircuitBreakerOpenException} (its circuit
     * is open: not asked), or a {@link BulkheadException} (this service has too many calls to it in
     * flight: not asked).
     */
    private Uni<AuthorityAnswer> guarded(ResourceEntry resource, List<String> scopes, byte[] payload) {
        ResourceEntry.Authority authority = resource.authority();
        AuthorityClient.Call call = client.call(authority.url(), Buffer.buffer(payload), authority.timeoutMs(),
                config.maxResponseBytes());
        return guard(resource).guard.get(() -> Uni.createFrom().<AuthorityClient.Reply>emitter(emitter -> call.send()
                        .onComplete(sent -> {
                            if (sent.succeeded()) {
                                emitter.complete(sent.result());
                            } else {
                                emitter.fail(sent.cause());
                            }
                        }))
                        .onItem().transform(reply -> answer(reply, scopes)))
                .onFailure(TimeoutException.class).transform(timeout -> {
                    AuthorityFailure failure = new AuthorityFailure(AuthorityFailure.TIMEOUT,
                            "no answer within " + authority.timeoutMs() + " ms");
                    call.abort(failure);
                    return failure;
                });
    }

    /** Throws (into the guard, which counts it against the circuit) when the reply is no answer. */
    private static AuthorityAnswer answer(AuthorityClient.Reply reply, List<String> scopes) {
        if (reply.status() != 200) {
            throw AuthorityFailure.status(reply.status());
        }
        return AuthorityAnswer.parse(reply.body().toString(), scopes)
                .orElseThrow(() -> new AuthorityFailure(AuthorityFailure.BAD_RESPONSE, null));
    }

    private Guarded guard(ResourceEntry resource) {
        Guarded guarded = guards.get(resource.resource());
        if (guarded != null && guarded.authority.equals(resource.authority())) {
            return guarded;
        }
        // first call, or the registry changed the authority's URL, timeout or on_failure: a fresh guard
        return guards.compute(resource.resource(), (name, current) -> {
            if (current != null && current.authority.equals(resource.authority())) {
                return current;
            }
            if (current == null) {
                Gauge.builder("ts.authority.circuit.open", guards, all -> {
                    Guarded g = all.get(name);
                    return g != null && g.open ? 1 : 0;
                }).description("1 while the authority's circuit is open").tag("resource", name).register(meters);
            }
            Guarded fresh = new Guarded(resource.authority());
            fresh.guard = TypedGuard.create(ANSWER)
                    .withDescription("scope authority " + name)
                    .withTimeout().duration(resource.authority().timeoutMs(), ChronoUnit.MILLIS).done()
                    .withBulkhead().limit(config.maxConcurrentCalls()).queueSize(config.maxWaiting()).done()
                    .withCircuitBreaker()
                    .requestVolumeThreshold(config.circuitFailureThreshold())
                    .failureRatio(1.0)
                    .successThreshold(1)
                    .delay(config.circuitOpenDuration().toMillis(), ChronoUnit.MILLIS)
                    .skipOn(BulkheadException.class)
                    .onStateChange(state -> fresh.open = state == CircuitBreakerState.OPEN)
                    .done()
                    .build();
            return fresh; // published through the map
        });
    }

    /** The contract's webhook request. */
    private static byte[] payload(ResourceEntry resource, List<String> scopes, AuthorityRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("resource", resource.resource());
        body.put("client_id", request.clientId());
        body.put("grant_type", request.grantType());
        body.put("subject", request.subject().subject());
        body.put("issuer", request.subject().issuer());
        body.put("requested_scopes", scopes);
        body.put("claims", request.subject().claims());
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
