package dev.tokenservices.shared.registry;

/**
 * An upstream OpenID provider users log in at. The secret is needed in clear to authenticate to it,
 * so it is held in memory only and never written to the database. {@code logoutUpstream}: whether a
 * logout at the orchestrator also ends the session there (when it advertises an end_session_endpoint).
 */
public record UpstreamIdpEntry(String id, String issuer, String clientId, String clientSecret, String scope,
        boolean logoutUpstream) {

    public UpstreamIdpEntry withoutSecret() {
        return new UpstreamIdpEntry(id, issuer, clientId, null, scope, logoutUpstream);
    }

    @Override
    public String toString() {
        return "UpstreamIdpEntry[id=" + id + ", issuer=" + issuer + ", clientId=" + clientId + "]";
    }
}
