package dev.tokenservices.core.dpop;

import com.nimbusds.jose.jwk.JWK;
import java.time.Instant;

/**
 * A DPoP proof that passed every check of RFC 9449 §4.3 for one request, its {@code jti} used up.
 *
 * @param jkt       the RFC 7638 SHA-256 thumbprint of the proof's key, base64url: what a token is bound to
 *                  ({@code cnf.jkt}, RFC 9449 §6.1)
 * @param key       the proof's public key
 * @param issuedAt  its {@code iat}
 * @param jti       its {@code jti}, used up
 */
public record DpopProof(String jkt, JWK key, Instant issuedAt, String jti) {

    @Override
    public String toString() {
        return "DpopProof[jkt=" + jkt + "]";
    }
}
