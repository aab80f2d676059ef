package dev.tokenservices.core.client;

import com.nimbusds.jose.jwk.JWKSet;
import dev.tokenservices.shared.registry.ClientEntry;
import java.util.HexFormat;

/**
 * A client as the OAuth endpoints of both authorization servers need it: its registration plus what
 * is parsed from it once (the secret's SHA-256, the {@code private_key_jwt} keys).
 */
public record RegisteredClient(ClientEntry entry, byte[] secretHash, JWKSet jwks) {

    public static RegisteredClient of(ClientEntry entry) {
        byte[] hash = entry.secretHash() == null ? null : HexFormat.of().parseHex(entry.secretHash());
        JWKSet jwks = null;
        if (entry.jwks() != null) {
            try {
                jwks = JWKSet.parse(entry.jwks());
            } catch (java.text.ParseException e) {
                throw new IllegalArgumentException("client " + entry.clientId() + ": jwks is not a valid JWK Set: " + e.getMessage());
            }
        }
        return new RegisteredClient(entry, hash, jwks);
    }

    public String clientId() {
        return entry.clientId();
    }

    public boolean allowsGrant(String grantType) {
        return entry.allowsGrant(grantType);
    }
}
