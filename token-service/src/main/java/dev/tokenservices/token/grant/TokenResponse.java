package dev.tokenservices.token.grant;

import dev.tokenservices.core.authority.InteractionRequired;
import dev.tokenservices.shared.json.JsonText;
import dev.tokenservices.token.issuance.IssuedToken;
import java.util.List;

/**
 * A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1), written as JSON by hand: the shape
 * is fixed and it is on the hot path. {@code interaction_required} lists the resources whose authority
 * holds back requested scopes until the user has done something (left out when none does).
 */
public record TokenResponse(String accessToken, int expiresIn, String scope, String refreshToken, String issuedTokenType,
        List<InteractionRequired> interactions) {

    public TokenResponse(String accessToken, int expiresIn, String scope, String refreshToken, String issuedTokenType) {
        this(accessToken, expiresIn, scope, refreshToken, issuedTokenType, List.of());
    }

    public static TokenResponse bearer(IssuedToken token) {
        return new TokenResponse(token.value(), token.expiresIn(), token.scope(), null, null);
    }

    /** This response, listing {@code interactions} as waiting. */
    public TokenResponse withInteractions(List<InteractionRequired> interactions) {
        return new TokenResponse(accessToken, expiresIn, scope, refreshToken, issuedTokenType, List.copyOf(interactions));
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder(accessToken.length() + 160).append('{');
        JsonText.field(sb, "access_token", accessToken);
        if (issuedTokenType != null) {
            JsonText.field(sb.append(','), "issued_token_type", issuedTokenType);
        }
        sb.append(",\"token_type\":\"Bearer\",\"expires_in\":").append(expiresIn);
        if (scope != null && !scope.isEmpty()) {
            JsonText.field(sb.append(','), "scope", scope);
        }
        if (refreshToken != null) {
            JsonText.field(sb.append(','), "refresh_token", refreshToken);
        }
        if (!interactions.isEmpty()) {
            JsonText.string(sb.append(','), InteractionRequired.MEMBER).append(':').append(InteractionRequired.json(interactions));
        }
        return sb.append('}').toString();
    }

    @Override
    public String toString() {
        return "TokenResponse[expiresIn=" + expiresIn + ", scope=" + scope + "]";
    }
}
