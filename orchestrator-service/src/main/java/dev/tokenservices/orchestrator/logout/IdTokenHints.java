package dev.tokenservices.orchestrator.logout;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.shared.jose.SigningKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.text.ParseException;
import java.util.List;

/**
 * The {@code id_token_hint} of a logout (RP-Initiated Logout 1.0 §2): an id_token we signed, for one
 * client; its expiry does not matter here. It ends a session without asking only when it names
 * the session's user ({@code sub} and {@code idp}): someone else's id_token is no permission.
 */
@ApplicationScoped
public class IdTokenHints {

    /** Who and for which client a hint of ours was issued. */
    public record Hint(String clientId, String subject, String idp) {

        public boolean names(Identity identity) {
            return subject != null && subject.equals(identity.subject()) && idp != null && idp.equals(identity.issuer());
        }
    }

    private final IdTokenKeys keys;
    private final String issuer;

    public IdTokenHints(IdTokenKeys keys, OrchestratorConfig config) {
        this.keys = keys;
        this.issuer = config.issuer();
    }

    /** @throws PageException when the hint is not an id_token of this issuer */
    public Hint verify(String idToken) {
        try {
            SignedJWT jwt = SignedJWT.parse(idToken);
            String kid = jwt.getHeader().getKeyID();
            SigningKey key = kid == null ? null : keys.key(kid).orElse(null);
            if (key == null || !key.algorithm().name().equals(jwt.getHeader().getAlgorithm().getName())) {
                throw notIssuedHere();
            }
            Signature signature = Signature.getInstance(key.algorithm().jcaVerifySignature());
            signature.initVerify(key.publicKey());
            signature.update(jwt.getSigningInput());
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!signature.verify(jwt.getSignature().decode()) || !issuer.equals(claims.getIssuer())) {
                throw notIssuedHere();
            }
            List<String> audience = claims.getAudience();
            if (audience == null || audience.size() != 1) {
                throw notIssuedHere();
            }
            Object idp = claims.getClaim("idp");
            return new Hint(audience.get(0), claims.getSubject(), idp instanceof String s ? s : null);
        } catch (ParseException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof PageException p) {
                throw p;
            }
            throw LogoutResource.badRequest("The id_token_hint is not a valid id_token of this issuer.");
        }
    }

    private static PageException notIssuedHere() {
        return LogoutResource.badRequest("The id_token_hint was not issued here.");
    }
}
