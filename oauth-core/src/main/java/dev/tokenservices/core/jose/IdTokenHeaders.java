package dev.tokenservices.core.jose;

import com.nimbusds.jose.JWSHeader;
import java.util.Locale;
import java.util.Optional;

/**
 * What an id_token's JOSE header may say, judged before any key is fetched (RFC 8725 §3.1, §3.11),
 * the same at the orchestrator (an upstream IdP's id_token) and at token exchange: an asymmetric
 * {@code alg}, no key named by the token itself, no critical parameters, and a {@code typ} that is
 * absent or {@code JWT}. Keycloak's id_tokens carry {@code "typ": "ID"} in their claims, not their
 * header: that is no header matter and passes; an access token ({@code at+jwt}, RFC 9068) or any
 * other explicitly typed JWT presented as an id_token is refused.
 */
public final class IdTokenHeaders {

    private IdTokenHeaders() {
    }

    /** @return why the header is refused, or empty */
    public static Optional<String> refusal(JWSHeader header) {
        if (!JwtVerifier.ASYMMETRIC.contains(header.getAlgorithm())) {
            return Optional.of("alg " + header.getAlgorithm() + " is not accepted; only asymmetric signatures are");
        }
        if (header.getJWKURL() != null || header.getX509CertURL() != null || header.getJWK() != null) {
            return Optional.of("tokens naming their own keys (jku, x5u, jwk) are not accepted");
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            return Optional.of("critical header parameters are not supported");
        }
        String typ = header.getType() == null ? null : header.getType().getType().toLowerCase(Locale.ROOT);
        if (typ != null && typ.endsWith("at+jwt")) {
            return Optional.of("an access token was presented as an id_token");
        }
        if (typ != null && typ.endsWith("+jwt")) {
            // RFC 8725 §3.11: an explicit type names another kind of JWT (logout token, DPoP proof, …)
            return Optional.of("typ " + header.getType().getType() + " marks another kind of token than an id_token");
        }
        return Optional.empty();
    }
}
