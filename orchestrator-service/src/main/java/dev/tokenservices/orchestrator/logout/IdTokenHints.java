package dev.tokenservices.orchestrator.logout;

import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import dev.tokenservices.core.jose.JwtKeys;
import dev.tokenservices.core.jose.JwtVerifier;
import dev.tokenservices.core.jose.SignedJwts;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.web.PageException;
import jakarta.enterprise.context.ApplicationScoped;
import java.text.ParseException;
import java.util.List;
import java.util.Optional;

/**
 * The {@code id_token_hint} of a logout (RP-Initiated Logout 1.0 §2) or of an authorization request
 * (OIDC Core §3.1.2.1): an id_token we signed (a
 * published key named by {@code kid}, our issuer, one audience: the client), checked through the
 * core's {@link JwtVerifier}; its expiry does not matter here. It ends a session without asking only
 * when it names the session's user ({@code sub} and {@code idp}): someone else's id_token is no
 * permission.
 */
@ApplicationScoped
public class IdTokenHints {

    /** Who and for which client a hint of ours was issued. */
    public record Hint(String clientId, String subject, String idp) {

        public boolean names(Identity identity) {
            return subject != null && subject.equals(identity.subject()) && idp != null && idp.equals(identity.issuer());
        }
    }

    private final String issuer;
    private final JwtVerifier<SecurityContext> verifier;

    public IdTokenHints(IdTokenKeys keys, OrchestratorConfig config) {
        this.issuer = config.issuer();
        this.verifier = new JwtVerifier<>(JwtVerifier.ASYMMETRIC, JwtVerifier.anyType(), JwtKeys.own(keys::key), this::checkClaims);
    }

    /** @throws PageException when the hint is not an id_token of this issuer */
    public Hint verify(String idToken) {
        return verified(idToken).orElseThrow(() -> LogoutResource.badRequest("The id_token_hint is not an id_token issued here."));
    }

    /**
     * The hint, when it is an id_token we signed (expired or not); empty otherwise. Also the
     * {@code id_token_hint} of an authorization request (OIDC Core §3.1.2.1).
     */
    public Optional<Hint> verified(String idToken) {
        JWTClaimsSet claims;
        try {
            claims = verifier.verify(SignedJwts.parse(idToken), null);
        } catch (ParseException | BadJOSEException | RuntimeException e) {
            return Optional.empty();
        }
        Object idp = claims.getClaim("idp");
        return Optional.of(new Hint(claims.getAudience().get(0), claims.getSubject(), idp instanceof String s ? s : null));
    }

    private void checkClaims(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
        List<String> audience = claims.getAudience();
        if (!issuer.equals(claims.getIssuer()) || audience == null || audience.size() != 1) {
            throw new BadJWTException("not an id_token of this issuer");
        }
    }
}
