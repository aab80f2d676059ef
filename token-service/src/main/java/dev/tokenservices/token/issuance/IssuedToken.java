package dev.tokenservices.token.issuance;

/**
 * A signed access token and what the token response says about it.
 *
 * @param dpopBound whether it is bound to a DPoP key ({@code cnf.jkt}): its {@code token_type} is {@code DPoP}
 */
public record IssuedToken(String value, String jti, long expiresAt, int expiresIn, String scope, boolean dpopBound) {

    @Override
    public String toString() {
        return "IssuedToken[jti=" + jti + ", expiresAt=" + expiresAt + "]";
    }
}
