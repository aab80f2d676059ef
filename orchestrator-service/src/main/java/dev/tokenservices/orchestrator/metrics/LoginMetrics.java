package dev.tokenservices.orchestrator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The orchestrator's metrics: {@code orchestrator_logins_started_total},
 * {@code orchestrator_logins_completed_total{client_id}}, {@code orchestrator_logins_failed_total{reason}},
 * {@code orchestrator_code_redemptions_total{outcome}}, {@code orchestrator_token_exchange_seconds{call,status}},
 * {@code orchestrator_interactions_total{resource,reason,outcome}}.
 */
@ApplicationScoped
public class LoginMetrics {

    private static final Pattern REASON = Pattern.compile("[a-z0-9_.-]{1,40}");

    private final MeterRegistry registry;

    public LoginMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void started(String idp) {
        registry.counter("orchestrator_logins_started", "idp", idp).increment();
    }

    void completed(@Observes LoginCompleted login) {
        registry.counter("orchestrator_logins_completed", "client_id", login.clientId()).increment();
    }

    /** The {@code reason} comes from an authority: a label only when it reads as a short code, else {@code other}. */
    void interaction(@Observes InteractionEvent event) {
        String reason = REASON.matcher(event.reason()).matches() ? event.reason() : "other";
        registry.counter("orchestrator_interactions", "resource", event.resource(), "reason", reason, "outcome", event.outcome())
                .increment();
    }

    public void failed(String reason) {
        registry.counter("orchestrator_logins_failed", "reason", reason).increment();
    }

    public void redemption(String grantType, String outcome) {
        registry.counter("orchestrator_code_redemptions", "grant_type", grantType, "outcome", outcome).increment();
    }

    public void exchange(String call, int status, long startNanos) {
        Timer.builder("orchestrator_token_exchange_seconds").tag("call", call).tag("status", String.valueOf(status))
                .publishPercentileHistogram().register(registry).record(Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
