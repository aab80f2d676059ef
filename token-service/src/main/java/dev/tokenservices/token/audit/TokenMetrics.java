package dev.tokenservices.token.audit;

import dev.tokenservices.shared.jose.CryptoProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Token endpoint metrics, exported at {@code /q/metrics}:
 * <ul>
 * <li>{@code ts_tokens_issued_total{grant_type,client_id}}: tokens issued;</li>
 * <li>{@code ts_tokens_rejected_total{grant_type,error}}: error answers by RFC error code;</li>
 * <li>{@code ts_token_request_seconds{grant_type,outcome}}: latency histogram;</li>
 * <li>{@code ts_crypto_provider_info{provider}}: 1 for the JCA provider that signs.</li>
 * </ul>
 * Meters are looked up once per label set and kept, so counting costs no registry lookup.
 * Rejections are not labelled by client: an unauthenticated caller must not create time series.
 */
@ApplicationScoped
public class TokenMetrics {

    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> issued = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> rejected = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();

    public TokenMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("ts.crypto.provider.info", () -> 1)
                .description("The JCA provider that signs tokens (native AWS-LC or the JDK)")
                .tag("provider", CryptoProvider.active())
                .register(registry);
    }

    public void issued(String grantType, String clientId, long startNanos) {
        issued.computeIfAbsent(grantType + '\n' + clientId, k -> Counter.builder("ts.tokens.issued")
                .description("Access tokens issued").tag("grant_type", grantType).tag("client_id", clientId)
                .register(registry)).increment();
        timer(grantType, "issued").record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    public void rejected(String grantType, String error, long startNanos) {
        rejected.computeIfAbsent(grantType + '\n' + error, k -> Counter.builder("ts.tokens.rejected")
                .description("Token requests answered with an OAuth error").tag("grant_type", grantType).tag("error", error)
                .register(registry)).increment();
        timer(grantType, "rejected").record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(String grantType, String outcome) {
        return timers.computeIfAbsent(grantType + '\n' + outcome, k -> Timer.builder("ts.token.request")
                .description("Token endpoint latency").tag("grant_type", grantType).tag("outcome", outcome)
                .publishPercentileHistogram().register(registry));
    }
}
