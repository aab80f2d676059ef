package dev.tokenservices.orchestrator.userinfo;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies the orchestrator's own top-level access token (RFC 9068, see
 * {@code UserinfoTokenMinter}) with SmallRye JWT, as a resource server does: the signature against
 * the keys this orchestrator publishes, read from memory (no HTTP call to its own /jwks), {@code iss}
 * and {@code aud} both this orchestrator, {@code exp} with the configured clock skew.
 */
@ApplicationScoped
public class UserinfoTokenVerifier {

    private final IdTokenKeys keys;
    private final String issuer;
    private final int clockSkewSeconds;
    private final JWTParser parser;
    /** The verification settings for the key set last seen; rebuilt when the keys rotate. */
    private volatile Verification current;

    private record Verification(String jwks, JWTAuthContextInfo settings) {
    }

    public UserinfoTokenVerifier(JWTParser parser, IdTokenKeys keys, OrchestratorConfig config) {
        this.parser = parser;
        this.keys = keys;
        this.issuer = config.issuer();
        this.clockSkewSeconds = (int) config.clockSkew().toSeconds();
    }

    /** @return the token's claims, or empty when it is not a valid access token of this orchestrator */
    public Optional<JsonWebToken> verify(String token) {
        try {
            return Optional.of(parser.parse(token, settings()));
        } catch (ParseException e) {
            return Optional.empty();
        }
    }

    private JWTAuthContextInfo settings() {
        String jwks = keys.jwksJson();
        Verification verification = current;
        if (verification == null || !verification.jwks().equals(jwks)) {
            JWTAuthContextInfo settings = new JWTAuthContextInfo();
            settings.setPublicKeyContent(jwks);
            settings.setIssuedBy(issuer);
            settings.setExpectedAudience(Set.of(issuer));
            settings.setExpGracePeriodSecs(clockSkewSeconds);
            settings.setSignatureAlgorithm(Set.of(SignatureAlgorithm.ES256, SignatureAlgorithm.RS256, SignatureAlgorithm.EDDSA));
            verification = new Verification(jwks, settings);
            current = verification;
        }
        return verification.settings();
    }
}
