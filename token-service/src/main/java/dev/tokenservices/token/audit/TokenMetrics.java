package dev.tokenservices.token.audit;

import dev.tokenservices.core.authority.InteractionMetrics;
import dev.tokenservices.core.authority.ScopeDecided;
import dev.tokenservices.shared.jose.CryptoProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The token service's metrics, exported at {@code /q/metrics}, counted from the audit events:
 * <ul>
 * <li>{@code ts_tokens_issued_total{grant_type,client_id}}: tokens issued;</li>
 * <li>{@code ts_tokens_rejected_total{grant_type,error}}: error answers by RFC error code;</li>
 * <li>{@code ts_token_request_seconds{grant_type,outcome}}: latency histogram;</li>
 * <li>{@code ts_authority_request_seconds{resource,outcome}}: scope-authority decisions and their latency;</li>
 * <li>{@code ts_authority_failures_total{resource,reason}}: scope-authority calls that failed;</li>
 * <li>{@code interactions_total{resource,reason,outcome="asked"}}: authorities that held scopes back for
 * an interaction ({@link InteractionMetrics}; the orchestrator and the portal count completed and declined);</li>
 * <li>{@code ts_crypto_provider_info{provider,reason}}: 1 for the JCA provider that signs, and why (loaded,
 * native-image, unavailable).</li>
 * </ul>
 * Meters are looked up once per label set and kept, so counting costs no registry lookup.
 * Rejections are not labelled by client: an unauthenticated caller must not create time series.
 * ({@code ts_authority_circuit_open} is the circuits' state, kept by
 * {@link dev.tokenservices.core.authority.AuthorityCalls}.)
 */
@ApplicationScoped
public class TokenMetrics {

    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> issued = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> rejected = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Timer> decisions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> failures = new ConcurrentHashMap<>();

    public TokenMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("ts.crypto.provider.info", () -> 1)
                .description("The JCA provider that signs tokens (native AWS-LC or the JDK), and why")
                .tag("provider", CryptoProvider.active())
                .tag("reason", CryptoProvider.reason())
                .register(registry);
    }

    void issued(@Observes TokenIssued event) {
        String grantType = event.grantType();
        String clientId = event.clientId();
        issued.computeIfAbsent(grantType + '\n' + clientId, k -> Counter.builder("ts.tokens.issued")
                .description("Access tokens issued").tag("grant_type", grantType).tag("client_id", clientId)
                .register(registry)).increment();
        timer(grantType, "issued").record(event.nanos(), TimeUnit.NANOSECONDS);
    }

    void rejected(@Observes TokenRejected event) {
        String grantType = event.grantType();
        String error = event.error();
        rejected.computeIfAbsent(grantType + '\n' + error, k -> Counter.builder("ts.tokens.rejected")
                .description("Token requests answered with an OAuth error").tag("grant_type", grantType).tag("error", error)
                .register(registry)).increment();
        timer(grantType, "rejected").record(event.nanos(), TimeUnit.NANOSECONDS);
    }

    void scopeDecided(@Observes ScopeDecided event) {
        String resource = event.resource();
        String outcome = event.decision();
        if (event.failed()) {
            failures.computeIfAbsent(resource + '\n' + event.reason(), k -> Counter.builder("ts.authority.failures")
                    .description("Scope authority calls that failed, by reason")
                    .tag("resource", resource).tag("reason", event.reason()).register(registry)).increment();
        }
        decisions.computeIfAbsent(resource + '\n' + outcome, k -> Timer.builder("ts.authority.request")
                .description("Scope authority decisions and their latency")
                .tag("resource", resource).tag("outcome", outcome)
                .publishPercentileHistogram().register(registry)).record(event.micros(), TimeUnit.MICROSECONDS);
        event.interaction().ifPresent(i -> InteractionMetrics.count(registry, resource, i.reason(), InteractionMetrics.ASKED));
    }

    private Timer timer(String grantType, String outcome) {
        return timers.computeIfAbsent(grantType + '\n' + outcome, k -> Timer.builder("ts.token.request")
                .description("Token endpoint latency").tag("grant_type", grantType).tag("outcome", outcome)
                .publishPercentileHistogram().register(registry));
    }
}
