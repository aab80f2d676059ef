package dev.tokenservices.token.grant;

import dev.tokenservices.token.issuance.IssuedToken;
import dev.tokenservices.shared.json.JsonText;

/**
 * A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1), written as JSON by hand: the shape
 * is fixed and it is on the hot path.
 */
public record TokenResponse(String accessToken, int expiresIn, String scope, String refreshToken, String issuedTokenType) {

    public static TokenResponse bearer(IssuedToken token) {
        return new TokenResponse(token.value(), token.expiresIn(), token.scope(), null, null);
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
        return sb.append('}').toString();
    }

    @Override
    public String toString() {
        return "TokenResponse[expiresIn=" + expiresIn + ", scope=" + scope + "]";
    }
}
