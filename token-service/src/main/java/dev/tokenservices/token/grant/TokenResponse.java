package dev.tokenservices.token.grant;

import dev.tokenservices.core.authority.InteractionRequired;
import dev.tokenservices.shared.json.JsonText;
import dev.tokenservices.token.issuance.IssuedToken;
import java.util.List;

/**
 * A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1), written as JSON by hand: the shape
 * is fixed and it is on the hot path. {@code token_type} is {@code DPoP} for a token bound to a DPoP
 * key (RFC 9449 §5), else {@code Bearer}. {@code interaction_required} lists the resources whose
 * authority holds back requested scopes until the user has done something (left out when none does).
 */
public record TokenResponse(IssuedToken token, String refreshToken, String issuedTokenType, List<InteractionRequired> interactions) {

    public TokenResponse {
        interactions = List.copyOf(interactions);
    }

    /** The access token alone. */
    public static TokenResponse of(IssuedToken token) {
        return new TokenResponse(token, null, null, List.of());
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder(token.value().length() + 160).append('{');
        JsonText.field(sb, "access_token", token.value());
        if (issuedTokenType != null) {
            JsonText.field(sb.append(','), "issued_token_type", issuedTokenType);
        }
        sb.append(token.dpopBound() ? ",\"token_type\":\"DPoP\"" : ",\"token_type\":\"Bearer\"");
        sb.append(",\"expires_in\":").append(token.expiresIn());
        if (token.scope() != null && !token.scope().isEmpty()) {
            JsonText.field(sb.append(','), "scope", token.scope());
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
        return "TokenResponse[expiresIn=" + token.expiresIn() + ", scope=" + token.scope() + ", dpop=" + token.dpopBound() + "]";
    }
}
