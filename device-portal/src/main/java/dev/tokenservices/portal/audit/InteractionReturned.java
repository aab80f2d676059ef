package dev.tokenservices.portal.audit;

/**
 * A user came back to the consent page from the page of an API that asked for an interaction (a CDI
 * event, observed by the audit log and the metrics). Carries no ticket and no code.
 *
 * @param outcome {@link dev.tokenservices.core.authority.InteractionMetrics#COMPLETED} (came back; the
 *                authorities are asked again) or {@link dev.tokenservices.core.authority.InteractionMetrics#DECLINED}
 * @param subject the signed-in user at {@code idp}
 */
public record InteractionReturned(String resource, String reason, String outcome, String subject, String idp) {
}
