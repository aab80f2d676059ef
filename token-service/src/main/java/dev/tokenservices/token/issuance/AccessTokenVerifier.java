package dev.tokenservices.token.issuance;

import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import dev.tokenservices.core.jose.JwtKeys;
import dev.tokenservices.core.jose.JwtVerifier;
import dev.tokenservices.core.jose.SignedJwts;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.keys.KeyManager;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Date;
import java.util.Optional;

/**
 * Recognises access tokens this service issued (introspection, revocation, exchange): {@code typ:
 * at+jwt} (RFC 9068 §2.1), a published key named by {@code kid} with the key's own algorithm, our
 * issuer, not expired, checked through the core's {@link JwtVerifier}. Anything else is simply "not
 * one of ours".
 */
@ApplicationScoped
public class AccessTokenVerifier {

    /** No access token of ours is anywhere near this long; longer input is not parsed at all. */
    private static final int MAX_TOKEN_LENGTH = 16 * 1024;

    private final String issuer;
    private final Clock clock;
    private final JwtVerifier<SecurityContext> verifier;

    public AccessTokenVerifier(TokenServiceConfig config, KeyManager keys, Clock clock) {
        this.issuer = config.issuer();
        this.clock = clock;
        this.verifier = new JwtVerifier<>(JwtVerifier.ASYMMETRIC, JwtVerifier.type("at+jwt"), JwtKeys.own(keys::key), this::checkClaims);
    }

    public Optional<JWTClaimsSet> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        try {
            return Optional.of(verifier.verify(SignedJwts.parse(token), null));
        } catch (java.text.ParseException | BadJOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void checkClaims(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
        Date exp = claims.getExpirationTime();
        if (!issuer.equals(claims.getIssuer()) || exp == null || !exp.toInstant().isAfter(clock.instant())) {
            throw new BadJWTException("not an active access token of this issuer");
        }
    }
}
