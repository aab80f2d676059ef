package dev.tokenservices.shared.registry;

/**
 * The registry's secret-bearing fields. Each service names those it reads; the others are neither
 * substituted nor held, so a Deployment needs only the secrets of the fields its service reads, and
 * an unset variable in a field a service does not read cannot stop it.
 */
public enum SecretField {

    /** {@code clients[].client_secret} of every client (kept as a SHA-256 hash): the token service's. */
    CLIENT_SECRETS,

    /**
     * {@code clients[].client_secret} of the clients that log users in, those with the
     * {@code authorization_code} grant (the default): the clients that authenticate at the orchestrator.
     */
    LOGIN_CLIENT_SECRETS,

    /** {@code upstream_idps[].client_secret}: the orchestrator's secret at an upstream IdP (held in clear, in memory). */
    UPSTREAM_IDP_SECRETS
}
