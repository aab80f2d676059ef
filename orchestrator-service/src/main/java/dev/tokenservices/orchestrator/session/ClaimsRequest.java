package dev.tokenservices.orchestrator.session;

import java.util.List;

/**
 * The standard claims a client asked for individually with the {@code claims} request parameter
 * (OIDC Core §5.5), kept with its login: their names only, those this orchestrator can return and the
 * client's registered scope covers (see {@code UserClaims}). Whether a claim was marked essential
 * changes nothing here (§5.5.1: a claim we do not have is left out either way); {@code value} and
 * {@code values} (meant for {@code acr}) are ignored.
 *
 * @param idToken  claims to put in the id_token ({@code claims.id_token})
 * @param userinfo claims /userinfo returns beside those of the granted scopes ({@code claims.userinfo})
 */
public record ClaimsRequest(List<String> idToken, List<String> userinfo) {

    public static final ClaimsRequest NONE = new ClaimsRequest(List.of(), List.of());

    public ClaimsRequest {
        idToken = idToken == null ? List.of() : List.copyOf(idToken);
        userinfo = userinfo == null ? List.of() : List.copyOf(userinfo);
    }

    /** A stored request, or none for records written before the claims parameter existed. */
    public static ClaimsRequest orNone(ClaimsRequest stored) {
        return stored == null ? NONE : stored;
    }
}
