package dev.tokenservices.core.authority;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The one counter every service keeps for interactions an API asks for, so that dashboards add them up:
 * {@code interactions_total{resource, reason, outcome}} in Prometheus. The token service counts
 * {@link #ASKED} (an authority asked, scopes were left waiting); the orchestrator and the portal count
 * what the user did: {@link #COMPLETED} (came back, asked again) or {@link #DECLINED}.
 */
public final class InteractionMetrics {

    /** Micrometer's name; Prometheus shows it as {@code interactions_total}. */
    public static final String NAME = "interactions";
    public static final String ASKED = "asked";
    public static final String COMPLETED = "completed";
    public static final String DECLINED = "declined";

    private InteractionMetrics() {
    }

    /** One more interaction with {@code outcome} for {@code resource}, tagged with the authority's reason. */
    public static void count(MeterRegistry meters, String resource, String reason, String outcome) {
        Counter.builder(NAME)
                .description("Interactions scope authorities asked users for, by what became of them")
                .tag("resource", resource)
                .tag("reason", reason)
                .tag("outcome", outcome)
                .register(meters)
                .increment();
    }
}
