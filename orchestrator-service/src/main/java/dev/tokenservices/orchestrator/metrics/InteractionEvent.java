package dev.tokenservices.orchestrator.metrics;

import dev.tokenservices.core.authority.InteractionMetrics;

/**
 * What a browser did about an interaction an API asked for during a login: a CDI event, observed
 * synchronously by the audit log ({@link LoginAudit}) and the metrics ({@link LoginMetrics}). Carries
 * no token or ticket.
 *
 * @param resource the API whose authority asked
 * @param reason   its {@code reason} ({@code subscription_required}…)
 * @param outcome  {@code asked} (the browser was sent to the API's page), {@code completed} (it came
 *                 back and the authority grants now) or {@code declined} (it came back declining, or
 *                 without the authority granting: the login finishes without those scopes)
 */
public record InteractionEvent(String clientId, String idp, String subject, String resource, String reason, String outcome) {

    public static final String ASKED = InteractionMetrics.ASKED;
    public static final String COMPLETED = InteractionMetrics.COMPLETED;
    public static final String DECLINED = InteractionMetrics.DECLINED;
}
