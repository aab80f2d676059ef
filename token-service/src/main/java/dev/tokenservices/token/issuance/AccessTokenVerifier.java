package dev.tokenservices.token.issuance;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.keys.KeyManager;
import dev.tokenservices.shared.jose.SigningKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.Signature;
import java.time.Clock;
import java.util.Date;
import java.util.Optional;

/**
 * Recognises access tokens this service issued (introspection, revocation): our issuer, a
 * published key, the key's own algorithm, {@code typ: at+jwt}, not expired. Anything else is
 * simply "not one of ours".
 */
@ApplicationScoped
public class AccessTokenVerifier {

    /** No access token of ours is anywhere near this long; longer input is not parsed at all. */
    private static final int MAX_TOKEN_LENGTH = 16 * 1024;

    private final String issuer;
    private final KeyManager keys;
    private final Clock clock;

    public AccessTokenVerifier(TokenServiceConfig config, KeyManager keys, Clock clock) {
        this.issuer = config.issuer();
        this.keys = keys;
        this.clock = clock;
    }

    public Optional<JWTClaimsSet> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (jwt.getHeader().getType() == null
                    || !"at+jwt".equalsIgnoreCase(jwt.getHeader().getType().getType())
                    || jwt.getHeader().getKeyID() == null) {
                return Optional.empty();
            }
            Optional<SigningKey> key = keys.key(jwt.getHeader().getKeyID());
            if (key.isEmpty() || !key.get().algorithm().name().equals(jwt.getHeader().getAlgorithm().getName())) {
                return Optional.empty();
            }
            Signature signature = Signature.getInstance(key.get().algorithm().jcaVerifySignature());
            signature.initVerify(key.get().publicKey());
            signature.update(jwt.getSigningInput());
            if (!signature.verify(jwt.getSignature().decode())) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            if (!issuer.equals(claims.getIssuer()) || exp == null || !exp.toInstant().isAfter(clock.instant())) {
                return Optional.empty();
            }
            return Optional.of(claims);
        } catch (java.text.ParseException | java.security.GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
