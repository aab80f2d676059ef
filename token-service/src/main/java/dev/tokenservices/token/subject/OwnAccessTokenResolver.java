package dev.tokenservices.token.subject;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.grant.ScopePolicy;
import dev.tokenservices.token.issuance.AccessTokenVerifier;
import dev.tokenservices.token.revocation.JtiStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Access tokens this service issued: valid, ours, and not revoked. Exchange can only narrow them, and a
 * DPoP-bound one ({@code cnf.jkt}) stays bound to its key.
 */
@ApplicationScoped
public class OwnAccessTokenResolver implements SubjectTokenResolver {

    private final AccessTokenVerifier verifier;
    private final JtiStore jtis;
    private final String issuer;

    public OwnAccessTokenResolver(AccessTokenVerifier verifier, JtiStore jtis, TokenServiceConfig config) {
        this.verifier = verifier;
        this.jtis = jtis;
        this.issuer = config.issuer();
    }

    @Override
    public Set<String> tokenTypes() {
        return Set.of(TokenTypes.ACCESS_TOKEN);
    }

    @Override
    public Uni<Subject> resolve(String token, String tokenType, String clientId) {
        JWTClaimsSet claims = verifier.verify(token)
                .orElseThrow(() -> OAuthException.invalidRequest("it is not an active access token of this issuer"));
        return jtis.isRevoked(claims.getJWTID()).map(revoked -> {
            if (revoked) {
                throw OAuthException.invalidRequest("it has been revoked");
            }
            Object scope = claims.getClaim("scope");
            Object idp = claims.getClaim("idp");
            return new Subject(claims.getSubject(), idp instanceof String s ? s : issuer, Map.of(),
                    Optional.of(scope instanceof String s ? ScopePolicy.parse(s) : Set.of()),
                    claims.getExpirationTime().toInstant(), object(claims.getClaim("may_act")), object(claims.getClaim("act")),
                    object(claims.getClaim("cnf")).map(cnf -> cnf.get("jkt")).filter(String.class::isInstance).map(String.class::cast));
        });
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> object(Object claim) {
        return claim instanceof Map<?, ?> map ? Optional.of((Map<String, Object>) map) : Optional.empty();
    }
}
