package dev.tokenservices.shared.registry;

import java.util.List;

/**
 * An issuer whose id_tokens token exchange accepts, the audiences they must carry, and the clients
 * that may exchange them ({@code clients}: null when the registry does not restrict it, so any client
 * allowed the grant may); {@code policy}: what else its id_tokens must say ({@link IssuerPolicy}).
 */
public record TrustedIssuerEntry(String issuer, List<String> audiences, List<String> clients, IssuerPolicy policy) {
    public TrustedIssuerEntry {
        audiences = List.copyOf(audiences);
        clients = clients == null ? null : List.copyOf(clients);
        policy = policy == null ? IssuerPolicy.exact(issuer) : policy;
    }

    /** Whether {@code clientId} may exchange this issuer's tokens. */
    public boolean allowsClient(String clientId) {
        return clients == null || clients.contains(clientId);
    }
}
