package dev.tokenservices.token.subject;

import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Set;

/**
 * id_tokens (and other JWTs) from trusted external issuers. Everything that can be refused without
 * a key is refused first; the token's issuer must be registered before anything is fetched, and
 * URLs inside the token are never followed.
 */
@ApplicationScoped
public class ExternalIdTokenResolver implements SubjectTokenResolver {

    private final TrustedIssuers issuers;
    private final IdTokenValidator validator;
    private final Clock clock;

    public ExternalIdTokenResolver(TrustedIssuers issuers, Clock clock, TokenServiceConfig config) {
        this.issuers = issuers;
        this.clock = clock;
        this.validator = new IdTokenValidator(config.clockSkew());
    }

    @Override
    public Set<String> tokenTypes() {
        return Set.of(TokenTypes.ID_TOKEN, TokenTypes.JWT);
    }

    @Override
    public Uni<Subject> resolve(String token, String tokenType) {
        long dots = token.chars().filter(c -> c == '.').count();
        if (dots == 4) {
            throw OAuthException.invalidRequest("encrypted (JWE) tokens are not accepted");
        }
        if (dots != 2) {
            throw OAuthException.invalidRequest("it is not a signed JWT");
        }
        SignedJWT jwt;
        String issuer;
        try {
            jwt = SignedJWT.parse(token);
            issuer = jwt.getJWTClaimsSet().getIssuer();
        } catch (java.text.ParseException e) {
            throw OAuthException.invalidRequest("it is not a signed JWT");
        }
        boolean idToken = TokenTypes.ID_TOKEN.equals(tokenType);
        IdTokenValidator.checkHeader(jwt.getHeader(), idToken);
        TrustedIssuerEntry trusted = issuers.trusted(issuer)
                .orElseThrow(() -> OAuthException.invalidRequest("its issuer is not trusted"));
        return issuers.keys(trusted, jwt.getHeader().getKeyID())
                .map(keys -> validator.validate(jwt, trusted, keys, clock.instant(), idToken));
    }
}
