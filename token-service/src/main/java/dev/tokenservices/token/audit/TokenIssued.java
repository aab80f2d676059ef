package dev.tokenservices.token.audit;

/**
 * An access token was issued at {@code /token} (a CDI event, observed synchronously by the audit
 * log and the metrics). Carries no token.
 *
 * @param grantType the grant's URN or name
 * @param nanos     from the request to the answer
 */
public record TokenIssued(String grantType, String clientId, long nanos) {
}
