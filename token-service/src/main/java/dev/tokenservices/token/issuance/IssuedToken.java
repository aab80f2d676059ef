package dev.tokenservices.token.issuance;

/** A signed access token and what the token response says about it. */
public record IssuedToken(String value, String jti, long expiresAt, int expiresIn, String scope) {

    @Override
    public String toString() {
        return "IssuedToken[jti=" + jti + ", expiresAt=" + expiresAt + "]";
    }
}
