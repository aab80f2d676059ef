package dev.tokenservices.orchestrator.metrics;

/**
 * A login ended with a code for the client (an SSO-session login included): a CDI event, observed
 * synchronously by the audit log ({@link LoginAudit}) and the metrics ({@link LoginMetrics}). Carries
 * no token or code.
 *
 * @param idp     the upstream IdP's id in the registry
 * @param subject the user's {@code sub} at that IdP
 */
public record LoginCompleted(String clientId, String idp, String subject) {
}
