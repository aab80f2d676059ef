package dev.tokenservices.orchestrator.session;

import java.util.List;
import java.util.Map;

/**
 * Who logged in, as the upstream IdP said in its validated id_token.
 *
 * @param idpId            the registry id of the upstream IdP
 * @param issuer           its issuer, which becomes the {@code idp} claim
 * @param subject          the upstream {@code sub}, unchanged
 * @param claims           every claim of the upstream id_token
 * @param upstreamIdToken  the IdP's id_token, untouched
 * @param upstreamExpiresAt the upstream id_token's {@code exp} (epoch seconds)
 * @param authTime         upstream {@code auth_time}, else when the callback arrived (epoch seconds)
 */
public record Identity(String idpId, String issuer, String subject, Map<String, Object> claims, String upstreamIdToken,
        long upstreamExpiresAt, long authTime, String acr, List<String> amr) {

    /** An upstream id_token this close to expiry is not exchanged any more: the token service would refuse it. */
    private static final long MIN_REMAINING_SECONDS = 15;

    /** Whether the upstream id_token can still be exchanged at the token service at {@code now} (epoch seconds). */
    public boolean exchangeable(long now) {
        return upstreamExpiresAt - MIN_REMAINING_SECONDS > now;
    }

    /** This identity with {@code extra} claims the id_token does not carry itself (its own always win). */
    public Identity withClaimsIfAbsent(Map<String, Object> extra) {
        if (extra.isEmpty()) {
            return this;
        }
        Map<String, Object> merged = new java.util.LinkedHashMap<>(extra);
        merged.putAll(claims);
        return new Identity(idpId, issuer, subject, merged, upstreamIdToken, upstreamExpiresAt, authTime, acr, amr);
    }
}
