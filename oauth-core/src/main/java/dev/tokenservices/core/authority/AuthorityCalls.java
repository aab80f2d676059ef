package dev.tokenservices.core.authority;

import dev.tokenservices.shared.json.JsonText;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * One call to a resource's scope authority, bounded per resource (so a slow or dead authority costs
 * only its own calls):
 * <ul>
 * <li>a <b>bulkhead</b> ({@link Places}): {@link AuthorityLimits#maxConcurrentCalls} calls in flight, up to
 * {@link AuthorityLimits#maxWaiting} more waiting for a place; past that the call is refused at once
 * (503): this service is too busy, the authority was not asked and is not blamed;</li>
 * <li>a <b>deadline</b> of the authority's {@code timeout_ms} from asking, the wait for a place and for a
 * connection included: the caller has its outcome by then. A timer of the calling event loop, not Fault
 * Tolerance's timeout, whose one timer thread woke for every call and took 9 % of the service's CPU in a
 * token exchange at c=64 (bench/README.md, "Profiles");</li>
 * <li>a <b>circuit breaker</b> (SmallRye Fault Tolerance): after {@link AuthorityLimits#circuitFailureThreshold}
 * failures in a row it opens, and calls fail at once for {@link AuthorityLimits#circuitOpenDuration}; then one
 * trial call decides. It judges only calls that were sent, each by what the authority did within
 * {@code timeout_ms} of being sent (see {@link Attempt}): a call refused, or withdrawn while it waited,
 * never counts, so a flood of requests cannot open a healthy authority's circuit.</li>
 * </ul>
 * Everything runs on the caller's event loop, inline (no task hop, no context capture: measured, that
 * was a tenth of an exchange's CPU), except a call that waited, which a freed place hands back to its
 * loop. Every decision, and every failure to decide, is a {@link ScopeDecided} handed to the service's
 * listener (its audit line and metrics).
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

    /**
     * A resource's places and circuit, made for the authority settings they were built with; {@code open}
     * mirrors the circuit.
     */
    private static final class Guarded {
        final ResourceEntry.Authority authority;
        final AuthorityClient.Target target;
        final Places places;
        TypedGuard<Uni<AuthorityAnswer>> guard;
        volatile boolean open;

        Guarded(ResourceEntry.Authority authority, Places places) {
            this.authority = authority;
            this.target = AuthorityClient.Target.of(authority.url());
            this.places = places;
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
                    if (e instanceof Refused) {
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
     * The authority's answer for {@code scopes}, under the resource's places and circuit. Fails with an
     * {@link AuthorityFailure} (the authority failed, or the deadline passed), a
     * {@link CircuitBreakerOpenException} (its circuit is open: not asked), or a {@link Refused} (this
     * service has too many calls to it in flight and waiting: not asked).
     */
    private Uni<AuthorityAnswer> guarded(ResourceEntry resource, List<String> scopes, byte[] payload) {
        Guarded guarded = guard(resource);
        return Uni.createFrom().emitter(caller -> {
            Context context = Vertx.currentContext();
            if (context != null) {
                new Attempt(guarded, scopes, payload, caller, context).begin();
            } else { // off Vert.x (a test's thread): the call and its deadlines run on one event loop
                Context loop = client.vertx().getOrCreateContext();
                loop.runOnContext(ignored -> new Attempt(guarded, scopes, payload, caller, loop).begin());
            }
        });
    }

    /**
     * One call, from asking to its end, confined to the context (event loop) that asked: its deadline
     * fires there, a place freed elsewhere hands the call back there, and its request is sent from
     * there. Two clocks:
     * <ul>
     * <li>the <b>caller's deadline</b>, {@code timeout_ms} from asking: the caller has its outcome by then,
     * a wait for a place included. A call still waiting then is withdrawn and never sent;</li>
     * <li>the <b>authority's time</b>, {@code timeout_ms} from sending: only a sent call is judged by the
     * circuit, and only by what the authority did with its full time. A call that waited and then ran
     * out of the caller's time stays in flight (holding its place, its answer unused) until the
     * authority's time is up, so that waiting in this service never counts as the authority's failure.</li>
     * </ul>
     * When no call waits the two clocks are one timer.
     */
    private final class Attempt implements Places.Waiter {
        private final Guarded guarded;
        private final ResourceEntry.Authority authority; // the one the guard was made for
        private final List<String> scopes;
        private final byte[] payload;
        private final UniEmitter<? super AuthorityAnswer> caller;
        private final Context context;
        private final long askedAt = System.nanoTime();
        private AuthorityClient.Call call; // null until sent
        private long sentAt;
        private long timer;
        private boolean answered; // the caller has its outcome
        private boolean ended; // the call has ended and given its place back

        Attempt(Guarded guarded, List<String> scopes, byte[] payload, UniEmitter<? super AuthorityAnswer> caller, Context context) {
            this.guarded = guarded;
            this.authority = guarded.authority;
            this.scopes = scopes;
            this.payload = payload;
            this.caller = caller;
            this.context = context;
        }

        void begin() {
            timer = client.vertx().setTimer(authority.timeoutMs(), id -> deadline());
            switch (guarded.places.enter(this)) {
                case STARTED -> send();
                case WAITING -> {
                }
                case REFUSED -> {
                    client.vertx().cancelTimer(timer);
                    answered = ended = true;
                    caller.fail(new Refused());
                }
            }
        }

        /** A place freed on some thread: back to this call's context, where it starts or, too late, gives the place on. */
        @Override
        public void granted() {
            context.runOnContext(ignored -> {
                if (answered) {
                    ended = true;
                    guarded.places.release();
                } else {
                    send();
                }
            });
        }

        private void send() {
            sentAt = System.nanoTime();
            call = client.call(guarded.target, Buffer.buffer(payload), authority.timeoutMs(), config.maxResponseBytes());
            guarded.guard.get(() -> Uni.createFrom().<AuthorityClient.Reply>emitter(
                            emitter -> call.send().onComplete(sent -> {
                                if (sent.succeeded()) {
                                    emitter.complete(sent.result());
                                } else {
                                    emitter.fail(sent.cause());
                                }
                            }))
                    .onItem().transform(reply -> answer(reply, scopes)))
                    .subscribe().with(answer -> end(answer, null), failure -> end(null, failure));
        }

        private void end(AuthorityAnswer answer, Throwable failure) {
            ended = true;
            client.vertx().cancelTimer(timer);
            guarded.places.release();
            if (!answered) {
                answered = true;
                if (failure != null) {
                    caller.fail(failure);
                } else {
                    caller.complete(answer);
                }
            }
        }

        /** The caller's deadline. */
        private void deadline() {
            if (ended) {
                return;
            }
            answered = true;
            long timeoutMs = authority.timeoutMs();
            if (call == null) {
                // still waiting, or granted a place a moment ago (then the hand-back gives it on): never sent
                guarded.places.withdraw(this);
                caller.fail(new AuthorityFailure(AuthorityFailure.TIMEOUT,
                        "no place free within " + timeoutMs + " ms, the authority was not asked"));
                return;
            }
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(sentAt - askedAt);
            caller.fail(new AuthorityFailure(AuthorityFailure.TIMEOUT, waitedMs == 0 ? "no answer within " + timeoutMs + " ms"
                    : "no answer within " + timeoutMs + " ms, " + waitedMs + " ms of them waiting for a place"));
            long leftMs = timeoutMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
            AuthorityFailure late = new AuthorityFailure(AuthorityFailure.TIMEOUT, "no answer within " + timeoutMs + " ms");
            if (leftMs <= 1) { // sent when asked (or within a millisecond): the two clocks are one
                call.abort(late); // the guard sees the call fail: it counts against the circuit
            } else {
                timer = client.vertx().setTimer(leftMs, id -> call.abort(late));
            }
        }
    }

    /** This service has too many calls to the authority in flight and waiting: it is not asked, and not blamed. */
    private static final class Refused extends RuntimeException {
        Refused() {
            super("all places and waiting slots taken", null, false, false);
        }
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
            Guarded fresh = new Guarded(resource.authority(), new Places(config.maxConcurrentCalls(), config.maxWaiting()));
            fresh.guard = TypedGuard.create(ANSWER)
                    .withDescription("scope authority " + name)
                    .withCircuitBreaker()
                    .requestVolumeThreshold(config.circuitFailureThreshold())
                    .failureRatio(1.0)
                    .successThreshold(1)
                    .delay(config.circuitOpenDuration().toMillis(), ChronoUnit.MILLIS)
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
