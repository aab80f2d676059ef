package dev.tokenservices.shared.registry;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What an issuer's id_tokens must say beyond the rules every id_token passes (OIDC Core §3.1.3.7):
 * the quirks of real IdPs, set per registry entry and applied alike by the orchestrator (logging a
 * user in) and the token service (exchanging the same id_token), so the two never disagree.
 * <ul>
 * <li>{@code iss} equals the issuer, or one of its {@code aliases} (Google signs id_tokens with
 * {@code iss} {@code https://accounts.google.com} or {@code accounts.google.com}); the keys are always
 * those of the issuer itself, found through its discovery document.</li>
 * <li>A templated issuer ({@value #TENANT} in its path, Entra ID multi-tenant:
 * {@code https://login.microsoftonline.com/{tenantid}/v2.0}) is the issuer of every tenant, so a token
 * is accepted only when its {@code tid} is one of {@code allowedTenants} and its {@code iss} is the
 * template with that very {@code tid} in place. Its discovery document is at the template with
 * {@value #DISCOVERY_TENANT} in place (Entra's endpoint for work and school accounts of any tenant),
 * and names the template itself as its issuer.</li>
 * <li>With {@code allowedHd} (Google Workspace), the {@code hd} claim must be one of those domains.</li>
 * </ul>
 * Lists are empty when not set; never null.
 */
public record IssuerPolicy(String issuer, List<String> aliases, List<String> allowedTenants, List<String> allowedHd) {

    /** The placeholder of a templated issuer. */
    public static final String TENANT = "{tenantid}";
    /** What takes the placeholder's place to find a templated issuer's discovery document. */
    public static final String DISCOVERY_TENANT = "organizations";

    public IssuerPolicy {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        allowedTenants = allowedTenants == null ? List.of() : List.copyOf(allowedTenants);
        allowedHd = allowedHd == null ? List.of() : allowedHd.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    }

    /** No quirk: {@code iss} must be exactly {@code issuer}. */
    public static IssuerPolicy exact(String issuer) {
        return new IssuerPolicy(issuer, List.of(), List.of(), List.of());
    }

    public boolean templated() {
        return issuer.contains(TENANT);
    }

    /** The issuer whose discovery document (and so whose keys) serve this entry. */
    public String discoveryIssuer() {
        return templated() ? issuer.replace(TENANT, DISCOVERY_TENANT) : issuer;
    }

    /** OpenID Connect Discovery §4.1: the issuer (with its path, as Okta's and Keycloak's have) + the well-known suffix. */
    public String discoveryUrl() {
        return discoveryIssuer().replaceAll("/+$", "") + "/.well-known/openid-configuration";
    }

    /**
     * Whether a token with this {@code iss} (and {@code tid}, for a templated issuer) names this
     * issuer. Decides which registry entry a token is judged by, before anything is fetched.
     */
    public boolean namedBy(String iss, Object tid) {
        if (iss == null) {
            return false;
        }
        if (templated()) {
            return tid instanceof String t && allowedTenants.contains(t) && iss.equals(issuer.replace(TENANT, t));
        }
        return iss.equals(issuer) || aliases.contains(iss);
    }

    /** The {@code iss} values an authorization response may carry (RFC 9207) for this issuer. */
    public boolean namesIssuerInResponse(String iss) {
        if (templated()) {
            return allowedTenants.stream().anyMatch(t -> issuer.replace(TENANT, t).equals(iss));
        }
        return issuer.equals(iss) || aliases.contains(iss);
    }

    /**
     * Judges the claims of a token whose signature verified with this issuer's keys.
     *
     * @return why the token is refused, or empty when this policy accepts it
     */
    public Optional<String> refusal(Map<String, Object> claims) {
        Object iss = claims.get("iss");
        Object tid = claims.get("tid");
        if (templated()) {
            if (!(tid instanceof String)) {
                return Optional.of("tid is missing; the issuer serves several tenants");
            }
            if (!allowedTenants.contains(tid)) {
                return Optional.of("the tenant (tid) is not one this issuer is trusted for");
            }
            if (!namedBy(iss instanceof String s ? s : null, tid)) {
                return Optional.of("iss does not name the token's own tenant (tid)");
            }
        } else if (!namedBy(iss instanceof String s ? s : null, null)) {
            return Optional.of("iss does not match the trusted issuer");
        }
        if (!allowedHd.isEmpty()) {
            Object hd = claims.get("hd");
            if (!(hd instanceof String domain)) {
                return Optional.of("hd is missing; only accounts of " + String.join(", ", allowedHd) + " are accepted");
            }
            if (!allowedHd.contains(domain.toLowerCase(Locale.ROOT))) {
                return Optional.of("the hosted domain (hd) is not one accepted for this issuer");
            }
        }
        return Optional.empty();
    }
}
