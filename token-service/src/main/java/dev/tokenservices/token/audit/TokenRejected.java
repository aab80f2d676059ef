package dev.tokenservices.token.audit;

/**
 * {@code /token} answered with an OAuth error (a CDI event, observed synchronously by the audit log
 * and the metrics). Not labelled by client: the caller may not have authenticated.
 *
 * @param grantType the grant's URN or name, {@code unknown} when missing or unsupported
 * @param error     the RFC error code ({@code server_error} for anything unexpected)
 * @param nanos     from the request to the answer
 */
public record TokenRejected(String grantType, String error, long nanos) {
}
