package dev.tokenservices.core.authority;

import dev.tokenservices.shared.json.JsonText;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.util.TypeLiteral;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * One call to a resource's scope authority under that resource's guard (SmallRye Fault Tolerance,
 * one guard per resource, so a slow or dead authority costs only its own calls) and its deadline:
 * <ul>
 * <li>a <b>timeout</b> of the authority's {@code timeout_ms}, waiting for a place in the bulkhead and for a
 * connection included; a call that times out is aborted (its request reset) and counts against the
 * circuit. The deadline is a timer of the calling event loop, not Fault Tolerance's timeout, whose one
 * timer thread woke for every call and took 9 % of the service's CPU in a token exchange at c=64
 * (bench/README.md, "Profiles");</li>
 * <li>a <b>circuit breaker</b>: after {@link AuthorityLimits#circuitFailureThreshold} failures in a row
 * it opens, and calls fail at once for {@link AuthorityLimits#circuitOpenDuration}; then one trial call decides;</li>
 * <li>a <b>bulkhead</b>: {@link AuthorityLimits#maxConcurrentCalls} calls in flight, up to
 * {@link AuthorityLimits#maxWaiting} more waiting for a place; past that the call is refused at once
 * ({@link BulkheadException}): this service is too busy, the authority was not asked and is not
 * blamed (its circuit counts the refusal as a success, never as a failure).</li>
 * </ul>
 * The guard returns a {@link Uni} and runs on the caller's event loop, inline (no task hop, no
 * context capture: measured, that was a tenth of an exchange's CPU): nothing blocks, and the call, its
 * answer and its deadline all stay on the loop that made it. Every decision, and every failure to decide, is a
 * {@link ScopeDecided} handed to the service's listener (its audit line and metrics).
 *
 * <p>Not a bean of its own: each service that asks authorities makes one (per application) from its
 * own configuration, e.g. in a CDI producer. Needs SmallRye Fault Tolerance at run time
 * ({@code quarkus-smallrye-fault-tolerance}).
 */
public class AuthorityCalls {

    private static final TypeLiteral<Uni<AuthorityAnswer>> ANSWER = new TypeLiteral<>() {
    };

    private final AuthorityClient client;
    private final MeterRegistry meters;
    private final Consumer<ScopeDecided> decided;
    private final AuthorityLimits config;
    private final ConcurrentMap<String, Guarded> guards = new ConcurrentHashMap<>();

    /**
     * What a resource's authority granted: on a failure nothing, and the resource's {@code on_failure}
     * decides what that means for the request.
     *
     * @param waiting     the requested scopes that wait for {@code interaction}; empty otherwise
     * @param interaction what the user must do before the authority grants the rest of the requested
     *                    scopes ({@code interaction_required}); empty otherwise
     */
    public record Result(ResourceEntry resource, Set<String> granted, Map<String, Object> claims, boolean failed,
            Set<String> waiting, Optional<Interaction> interaction) {

        /** A resource without an authority, or an answer without interaction. */
        public Result(ResourceEntry resource, Set<String> granted, Map<String, Object> claims, boolean failed) {
            this(resource, granted, claims, failed, Set.of(), Optional.empty());
        }
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

    /** @param decided told of every decision and failure to decide, on the thread that saw it */
    public AuthorityCalls(AuthorityClient client, MeterRegistry meters, Consumer<ScopeDecided> decided, AuthorityLimits limits) {
        this.client = client;
        this.meters = meters;
        this.decided = decided;
        this.config = limits;
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
                    fire(resource, scopes, request, answer.decision(), answer.granted(), answer.interaction(), null, null, start,
                            null);
                    return new Result(resource, answer.granted(), answer.claims(), false, answer.waiting(), answer.interaction());
                })
                .onFailure().recoverWithUni(e -> {
                    if (e instanceof BulkheadException) {
                        // the authority was not asked: not its failure, and not a reason to drop its scopes
                        fire(resource, scopes, request, ScopeDecided.FAILURE, Set.of(), Optional.empty(), "overloaded",
                                e.getMessage(), start, "unavailable");
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
        fire(resource, scopes, request, ScopeDecided.FAILURE, Set.of(), Optional.empty(), reason, cause, start,
                resource.authority().onFailure().name().toLowerCase(Locale.ROOT));
        return new Result(resource, Set.of(), Map.of(), true);
    }

    /** @param consequence for a failure, what it led to: {@code drop}, {@code deny} or {@code unavailable} */
    private void fire(ResourceEntry resource, List<String> scopes, AuthorityRequest request, String decision, Set<String> granted,
            Optional<Interaction> interaction, String reason, String cause, long start, String consequence) {
        decided.accept(new ScopeDecided(resource.resource(), request.clientId(), request.subject(), request.issuer(), scopes,
                decision, granted, interaction, reason, consequence, cause, (System.nanoTime() - start) / 1000));
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
        Uni<AuthorityAnswer> guarded = guard(resource).guard.get(() -> Uni.createFrom().<AuthorityClient.Reply>emitter(
                        emitter -> call.send().onComplete(sent -> {
                            if (sent.succeeded()) {
                                emitter.complete(sent.result());
                            } else {
                                emitter.fail(sent.cause());
                            }
                        }))
                .onItem().transform(reply -> answer(reply, scopes)));
        return Uni.createFrom().emitter(emitter -> {
            // the deadline runs from here, so a call waiting in the bulkhead for a place is bounded too; it
            // fires on this thread's event loop, where the call was made: no timer thread, no hand-over
            long timer = client.vertx().setTimer(authority.timeoutMs(), id -> {
                AuthorityFailure failure = new AuthorityFailure(AuthorityFailure.TIMEOUT,
                        "no answer within " + authority.timeoutMs() + " ms");
                call.abort(failure); // the guard sees the call fail: it counts against the circuit
                emitter.fail(failure);
            });
            // the timer is cancelled only when the call ends: a cancelled exchange's call still gets aborted
            guarded.subscribe().with(answer -> {
                client.vertx().cancelTimer(timer);
                emitter.complete(answer);
            }, failure -> {
                client.vertx().cancelTimer(timer);
                emitter.fail(failure);
            });
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
                    .withBulkhead().limit(config.maxConcurrentCalls()).queueSize(config.maxWaiting()).done()
                    .withCircuitBreaker()
                    .requestVolumeThreshold(config.circuitFailureThreshold())
                    .failureRatio(1.0)
                    .successThreshold(1)
                    .delay(config.circuitOpenDuration().toMillis(), ChronoUnit.MILLIS)
                    .skipOn(BulkheadException.class)
                    .onStateChange(state -> fresh.open = state == CircuitBreakerState.OPEN)
                    .done()
                    // the call starts where the guard is entered (the request's event loop) and sends
                    // without blocking: no hop to another task and no context capture per call
                    .withThreadOffload(true)
                    .withThreadOffloadExecutor(Runnable::run)
                    .build();
            return fresh; // published through the map
        });
    }

    /** The contract's webhook request; the claims were written once for every authority of the request. */
    private static byte[] payload(ResourceEntry resource, List<String> scopes, AuthorityRequest request) {
        StringBuilder body = new StringBuilder(256 + request.claimsJson().length()).append('{');
        JsonText.field(body, "resource", resource.resource());
        member(body.append(','), "client_id", request.clientId());
        member(body.append(','), "grant_type", request.grantType());
        member(body.append(','), "subject", request.subject());
        member(body.append(','), "issuer", request.issuer());
        body.append(",\"requested_scopes\":[");
        for (int i = 0; i < scopes.size(); i++) {
            JsonText.string(i == 0 ? body : body.append(','), scopes.get(i));
        }
        body.append("],\"claims\":").append(request.claimsJson()).append('}');
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void member(StringBuilder body, String name, String value) {
        JsonText.string(body, name).append(':');
        if (value == null) {
            body.append("null");
        } else {
            JsonText.string(body, value);
        }
    }
}
