package dev.tokenservices.shared.registry;

import java.time.Duration;
import java.util.Locale;

/**
 * An upstream OpenID provider users log in at. The secret is needed in clear to authenticate to it,
 * so it is held in memory only and never written to the database. {@code logoutUpstream}: whether a
 * logout at the orchestrator also ends the session there (when it advertises an end_session_endpoint).
 *
 * @param policy          what its id_tokens must say ({@link IssuerPolicy}: issuer aliases, tenants, hosted domains)
 * @param timeout         how long each call to it may take; null: the orchestrator's dependency timeout
 * @param responseMode    how it sends the browser back (OAuth 2.0 Multiple Response Type Encoding / Form Post Response Mode)
 * @param clientSecretJwt when set, the client secret is a short-lived JWT signed with this key (Sign in with Apple)
 */
public record UpstreamIdpEntry(String id, String issuer, String clientId, String clientSecret, String scope,
        boolean logoutUpstream, IssuerPolicy policy, Duration timeout, ResponseMode responseMode,
        ClientSecretJwt clientSecretJwt) {

    public enum ResponseMode {
        /** The code and state in the query of a GET to /callback (the default of the code flow). */
        QUERY,
        /** The code and state in a form POSTed to /callback (OAuth 2.0 Form Post Response Mode). */
        FORM_POST;

        /** As written in the file and sent upstream. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A client secret that is itself a JWT (Sign in with Apple: "Creating a client secret"): ES256,
     * {@code kid} {@code keyId}, {@code iss} {@code issuer} (the team id), {@code sub} the client_id,
     * {@code aud} the upstream issuer.
     *
     * @param key the private key as PEM (PKCS#8) or JWK, resolved: held in memory only
     */
    public record ClientSecretJwt(String key, String keyId, String issuer) {
        @Override
        public String toString() {
            return "ClientSecretJwt[keyId=" + keyId + ", issuer=" + issuer + "]";
        }
    }

    public UpstreamIdpEntry withoutSecret() {
        return new UpstreamIdpEntry(id, issuer, clientId, null, scope, logoutUpstream, policy, timeout, responseMode,
                clientSecretJwt == null ? null : new ClientSecretJwt(null, clientSecretJwt.keyId(), clientSecretJwt.issuer()));
    }

    public boolean formPost() {
        return responseMode == ResponseMode.FORM_POST;
    }

    @Override
    public String toString() {
        return "UpstreamIdpEntry[id=" + id + ", issuer=" + issuer + ", clientId=" + clientId + "]";
    }
}
