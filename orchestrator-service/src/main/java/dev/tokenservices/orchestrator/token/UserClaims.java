package dev.tokenservices.orchestrator.token;

import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.orchestrator.session.Identity;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The upstream identity's standard claims (OIDC Core §5.1) a client receives. The scope values
 * {@code profile}, {@code email}, {@code address} and {@code phone} ask for them at /userinfo (§5.4:
 * an access token is always issued here, so never in the id_token); the {@code claims} parameter
 * (§5.5) asks for single claims, in the id_token or at /userinfo, as far as the client's registered
 * scope covers them. A claim the upstream IdP did not give is left out.
 */
public final class UserClaims {

    /** §5.4: the claims each scope value stands for. */
    static final Map<String, List<String>> SCOPE_CLAIMS = Map.of(
            "profile", List.of("name", "family_name", "given_name", "middle_name", "nickname", "preferred_username",
                    "profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"),
            "email", List.of("email", "email_verified"),
            "address", List.of("address"),
            "phone", List.of("phone_number", "phone_number_verified"));

    /** Every claim of the four scopes, in a stable order (discovery's {@code claims_supported}). */
    public static final List<String> ALL = List.of("profile", "email", "address", "phone").stream()
            .flatMap(scope -> SCOPE_CLAIMS.get(scope).stream()).toList();

    private UserClaims() {
    }

    /** The scope value that stands for a standard claim, or empty for a name that is none of them. */
    public static Optional<String> scopeOf(String claim) {
        return SCOPE_CLAIMS.entrySet().stream().filter(e -> e.getValue().contains(claim)).map(Map.Entry::getKey).findFirst();
    }

    /** What /userinfo answers beside {@code sub} and {@code idp}: the granted scopes' claims, then those asked for. */
    public static Map<String, Object> forUserinfo(Identity identity, List<String> scopes, ClaimsRequest requested) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String scope : scopes) {
            copy(identity, SCOPE_CLAIMS.getOrDefault(scope, List.of()), out);
        }
        copy(identity, ClaimsRequest.orNone(requested).userinfo(), out);
        return out;
    }

    /** What the id_token carries of the user's claims: only those {@code claims.id_token} asked for. */
    public static Map<String, Object> forIdToken(Identity identity, ClaimsRequest requested) {
        Map<String, Object> out = new LinkedHashMap<>();
        copy(identity, ClaimsRequest.orNone(requested).idToken(), out);
        return out;
    }

    private static void copy(Identity identity, Collection<String> names, Map<String, Object> out) {
        for (String claim : names) {
            Object value = identity.claims().get(claim);
            if (value != null) {
                out.putIfAbsent(claim, value);
            }
        }
    }
}
