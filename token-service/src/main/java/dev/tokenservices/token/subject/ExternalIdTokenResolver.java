package dev.tokenservices.token.subject;

import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.core.jose.SignedJwts;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/**
 * id_tokens (and other JWTs) from trusted external issuers. Everything that can be refused without
 * a key is refused first; the token's issuer must be registered before anything is fetched, and
 * URLs inside the token are never followed. Whether the presenting client may exchange the token
 * is decided by the registry entry that accepts its audience ({@link IdTokenValidator}).
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
    public Uni<Subject> resolve(String token, String tokenType, String clientId) {
        long dots = token.chars().filter(c -> c == '.').count();
        if (dots == 4) {
            throw OAuthException.invalidRequest("encrypted (JWE) tokens are not accepted");
        }
        if (dots != 2) {
            throw OAuthException.invalidRequest("it is not a signed JWT");
        }
        SignedJWT jwt;
        String issuer;
        Object tid;
        try {
            jwt = SignedJwts.parse(token);
            issuer = jwt.getJWTClaimsSet().getIssuer();
            tid = jwt.getJWTClaimsSet().getClaim("tid");
        } catch (java.text.ParseException e) {
            throw OAuthException.invalidRequest("it is not a signed JWT");
        }
        // a jwt-typed subject token is held to the id_token rules: it names a user as much as an id_token does
        IdTokenValidator.checkHeader(jwt.getHeader());
        List<TrustedIssuerEntry> trusted = issuers.trusted(issuer, tid);
        if (trusted.isEmpty()) {
            throw OAuthException.invalidRequest("its issuer is not trusted");
        }
        // entries found for one iss share one issuer (and so its keys): the iss, an alias, or one tenant of a template
        return issuers.keys(trusted.get(0), jwt.getHeader().getKeyID())
                .map(keys -> validator.validate(jwt, trusted, clientId, keys, clock.instant()));
    }
}
