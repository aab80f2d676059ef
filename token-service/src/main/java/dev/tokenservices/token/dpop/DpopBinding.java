package dev.tokenservices.token.dpop;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.dpop.JwkThumbprints;
import dev.tokenservices.shared.oauth.OAuthException;
import java.util.Optional;

/**
 * The key an access token is bound to (RFC 9449), at the grants that take {@code dpop_jkt} (token
 * exchange, refresh): the request's proof, or {@code dpop_jkt} — the parameter §10 defines for
 * authorization requests — from a confidential client that relays the key of its own client, whose
 * proof it cannot sign (the orchestrator). Public clients prove their own key. With both, they must
 * name the same key. Checked before the grant touches anything, so a refusal spends no credential.
 */
public final class DpopBinding {

    /** The parameter's name. */
    public static final String DPOP_JKT = "dpop_jkt";

    private DpopBinding() {
    }

    /**
     * @param dpopJkt the request's {@code dpop_jkt}, or null
     * @return the key to bind to, or empty for a bearer token
     */
    public static Optional<String> key(String dpopJkt, RegisteredClient client, Optional<DpopProof> proof) {
        if (dpopJkt == null) {
            return proof.map(DpopProof::jkt);
        }
        if (!client.entry().isConfidential()) {
            throw OAuthException.invalidRequest("dpop_jkt is accepted from confidential clients only; send a DPoP proof instead");
        }
        if (!JwkThumbprints.isWellFormed(dpopJkt)) {
            throw OAuthException.invalidRequest("dpop_jkt must be a JWK SHA-256 thumbprint (RFC 7638): 43 base64url characters");
        }
        if (proof.isPresent() && !proof.get().jkt().equals(dpopJkt)) {
            throw OAuthException.invalidDpopProof("dpop_jkt is not the thumbprint of the DPoP proof's key");
        }
        return Optional.of(dpopJkt);
    }
}
