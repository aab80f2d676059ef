package dev.tokenservices.token.authority;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.token.grant.ScopePolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The fan-out: every resource involved in a request that has a scope authority is asked, all in
 * parallel, each under its own guard ({@link AuthorityCalls}: timeout, circuit breaker, bulkhead), so a
 * slow or dead authority costs only the scopes of its own resource. Resources without an authority
 * grant what the client may have.
 *
 * <p>Every decision is an audit event (a structured log line) and a metric:
 * {@code ts_authority_request_seconds{resource,outcome}}, {@code ts_authority_failures_total{resource,reason}},
 * {@code ts_authority_circuit_open{resource}}.
 */
@ApplicationScoped
public class ScopeAuthorities {

    private static final Logger AUDIT = Logger.getLogger("dev.tokenservices.audit");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] MDC_KEYS = {"event", "resource", "client_id", "subject", "idp", "outcome", "duration_ms", "cause"};

    private final AuthorityCalls calls;
    private final MeterRegistry meters;
    /** Meters looked up once per label set: a registry lookup per decision would cost more than the decision. */
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> failures = new ConcurrentHashMap<>();

    /** What the authorities granted, together. */
    public record Outcome(Set<String> scopes, List<String> audiences, Map<String, Object> resourceClaims) {
    }

    private record ResourceResult(ResourceEntry resource, List<String> requested, Set<String> granted,
            Map<String, Object> claims, boolean failed) {
    }

    public ScopeAuthorities(AuthorityCalls calls, MeterRegistry meters) {
        this.calls = calls;
        this.meters = meters;
    }

    /**
     * @param decision        the scopes the client may ask for and the resources they belong to
     * @param resourceOfScope the registry's scope → resource map
     * @param fallbackAudience the audience when only scopes of no resource are granted
     */
    public Uni<Outcome> decide(AuthorityRequest request, ScopePolicy.Decision decision,
            Function<String, ResourceEntry> resourceOfScope, String fallbackAudience) {
        Map<ResourceEntry, List<String>> byResource = new LinkedHashMap<>();
        List<String> unowned = new ArrayList<>();
        for (String scope : decision.scopes()) {
            ResourceEntry owner = resourceOfScope.apply(scope);
            if (owner == null) {
                unowned.add(scope);
            } else {
                byResource.computeIfAbsent(owner, r -> new ArrayList<>()).add(scope);
            }
        }
        List<Uni<ResourceResult>> asked = new ArrayList<>(byResource.size());
        byResource.forEach((resource, scopes) -> asked.add(resource.authority() == null
                ? Uni.createFrom().item(new ResourceResult(resource, scopes, new LinkedHashSet<>(scopes), Map.of(), false))
                : ask(resource, scopes, request)));
        if (asked.isEmpty()) {
            return Uni.createFrom().item(() -> combine(List.of(), unowned, decision, fallbackAudience));
        }
        return Uni.combine().all().unis(asked).with(ResourceResult.class,
                results -> combine(results, unowned, decision, fallbackAudience));
    }

    private Outcome combine(List<ResourceResult> results, List<String> unowned, ScopePolicy.Decision decision, String fallback) {
        for (ResourceResult r : results) {
            if (r.failed() && r.resource().authority().onFailure() == ResourceEntry.OnFailure.DENY) {
                throw OAuthException.temporarilyUnavailable("the scope authority for " + r.resource().resource()
                        + " did not answer; try again shortly");
            }
        }
        Set<String> granted = new LinkedHashSet<>();
        Map<String, Object> claims = new LinkedHashMap<>();
        for (String scope : decision.scopes()) {
            if (unowned.contains(scope)) {
                granted.add(scope);
            }
        }
        List<String> audiences = new ArrayList<>();
        for (String audience : decision.audiences()) {
            for (ResourceResult r : results) {
                if (r.resource().resource().equals(audience) && !r.granted().isEmpty()) {
                    audiences.add(audience);
                    granted.addAll(r.granted());
                    if (!r.claims().isEmpty()) {
                        claims.put(audience, r.claims());
                    }
                }
            }
        }
        if (granted.isEmpty()) {
            throw OAuthException.invalidScope("none of the requested scopes was granted");
        }
        if (audiences.isEmpty()) {
            audiences.add(fallback);
        }
        // keep the order the scopes were asked in
        Set<String> ordered = new LinkedHashSet<>();
        decision.scopes().stream().filter(granted::contains).forEach(ordered::add);
        return new Outcome(ordered, audiences, claims);
    }

    /** Never fails, except when this service is too busy to ask at all (503: a retry will do). */
    private Uni<ResourceResult> ask(ResourceEntry resource, List<String> scopes, AuthorityRequest request) {
        long start = System.nanoTime();
        return calls.ask(resource, scopes, payload(resource, scopes, request))
                .map(answer -> {
                    audit(resource, scopes, request, answer.decision(), answer.granted(), null, start);
                    return new ResourceResult(resource, scopes, answer.granted(), answer.claims(), false);
                })
                .onFailure().recoverWithUni(e -> {
                    if (e instanceof BulkheadException) {
                        // the authority was not asked: not its failure, and not a reason to drop its scopes
                        record(resource, scopes, request, "overloaded", e.getMessage(), start, "unavailable");
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

    /** A failed call: counted, audited, and answered by the resource's {@code on_failure}. */
    private ResourceResult failed(ResourceEntry resource, List<String> scopes, AuthorityRequest request, String reason,
            String cause, long start) {
        record(resource, scopes, request, reason, cause, start, resource.authority().onFailure().name().toLowerCase(Locale.ROOT));
        return new ResourceResult(resource, scopes, Set.of(), Map.of(), true);
    }

    /** @param consequence what the failure led to: {@code drop}, {@code deny} or {@code unavailable} */
    private void record(ResourceEntry resource, List<String> scopes, AuthorityRequest request, String reason, String cause,
            long start, String consequence) {
        failures.computeIfAbsent(resource.resource() + '\n' + reason, k -> Counter.builder("ts.authority.failures")
                .description("Scope authority calls that failed, by reason")
                .tag("resource", resource.resource()).tag("reason", reason).register(meters)).increment();
        audit(resource, scopes, request, "failure:" + reason + ":" + consequence, Set.of(), cause, start);
    }

    private void audit(ResourceEntry resource, List<String> requested, AuthorityRequest request, String outcome,
            Set<String> granted, String cause, long start) {
        long micros = (System.nanoTime() - start) / 1000;
        String outcomeTag = outcome.startsWith("failure") ? "failure" : outcome;
        timers.computeIfAbsent(resource.resource() + '\n' + outcomeTag, k -> Timer.builder("ts.authority.request")
                .description("Scope authority decisions and their latency")
                .tag("resource", resource.resource()).tag("outcome", outcomeTag)
                .publishPercentileHistogram().register(meters)).record(micros, TimeUnit.MICROSECONDS);
        Logger.Level level = cause == null ? Logger.Level.INFO : Logger.Level.WARN;
        if (!AUDIT.isEnabled(level)) {
            return;
        }
        String duration = (micros / 1000) + "." + (micros / 100 % 10);
        MDC.put("event", "scope_authority_decision");
        MDC.put("resource", resource.resource());
        MDC.put("client_id", request.clientId());
        MDC.put("subject", request.subject().subject());
        MDC.put("idp", request.subject().issuer());
        MDC.put("outcome", outcome);
        MDC.put("duration_ms", duration);
        StringBuilder line = new StringBuilder(256).append("scope authority decision resource=").append(resource.resource())
                .append(" client_id=").append(request.clientId())
                .append(" sub=").append(request.subject().subject())
                .append(" idp=").append(request.subject().issuer())
                .append(" requested=").append(String.join(" ", requested))
                .append(" outcome=").append(outcome)
                .append(" granted=").append(String.join(" ", granted))
                .append(" duration_ms=").append(duration);
        if (cause != null) {
            MDC.put("cause", cause);
            line.append(" cause=").append(cause);
        }
        try {
            AUDIT.log(level, line);
        } finally {
            for (String key : MDC_KEYS) {
                MDC.remove(key);
            }
        }
    }

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
