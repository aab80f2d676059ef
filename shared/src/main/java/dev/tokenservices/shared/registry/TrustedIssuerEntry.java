package dev.tokenservices.shared.registry;

import java.util.List;

/** An issuer whose id_tokens token exchange accepts, and the audiences they must carry. */
public record TrustedIssuerEntry(String issuer, List<String> audiences) {
    public TrustedIssuerEntry {
        audiences = List.copyOf(audiences);
    }
}
