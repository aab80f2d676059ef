package dev.tokenservices.orchestrator.metrics;

import dev.tokenservices.core.authority.InteractionMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;

/**
 * The orchestrator's metrics: {@code orchestrator_logins_started_total},
 * {@code orchestrator_logins_completed_total{client_id}}, {@code orchestrator_logins_failed_total{reason}},
 * {@code orchestrator_code_redemptions_total{outcome}}, {@code orchestrator_token_exchange_seconds{call,status}},
 * and the shared {@code interactions_total{resource,reason,outcome}} ({@link InteractionMetrics}).
 */
@ApplicationScoped
public class LoginMetrics {

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

    /**
     * What the browser did about an interaction, in the counter every service shares
     * ({@link InteractionMetrics}): the token service counts it asked, the orchestrator counts it
     * completed or declined (the detour itself is in the audit log only, so the outcomes add up).
     */
    void interaction(@Observes InteractionEvent event) {
        if (!InteractionEvent.ASKED.equals(event.outcome())) {
            InteractionMetrics.count(registry, event.resource(), event.reason(), event.outcome());
        }
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
