package dev.tokenservices.orchestrator.token;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.jose.JwsSigner;
import dev.tokenservices.shared.jose.SigningKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mints the top-level {@code access_token} of the orchestrator's token response: a JWT access token
 * per RFC 9068 ({@code typ: at+jwt}, §2.2 claims) whose only audience is the orchestrator itself, so
 * that it serves the orchestrator's /userinfo and nothing else (an API checking {@code aud} refuses
 * it; each API gets its own token in {@code access_tokens}). Signed with the key family of
 * {@code orchestrator.keys.algorithm} (ES256 by default), so it verifies against the orchestrator's /jwks.
 */
@ApplicationScoped
public class UserinfoTokenMinter {

    private final IdTokenKeys keys;
    private final JwsSigner signer = new JwsSigner();
    private final String issuer;
    private final long lifetime;
    private final Clock clock;

    public UserinfoTokenMinter(IdTokenKeys keys, OrchestratorConfig config, Clock clock) {
        this.keys = keys;
        this.issuer = config.issuer();
        this.lifetime = config.userinfoTokenLifetime().toSeconds();
        this.clock = clock;
    }

    public record Minted(String value, int expiresIn) {
    }

    /**
     * @param scopes  the OIDC scopes of the login (what /userinfo may answer)
     * @param dpopJkt the client's DPoP key the token is bound to ({@code cnf.jkt}, RFC 9449 §6.1), or null
     */
    public Minted mint(String clientId, Identity identity, List<String> scopes, String dpopJkt) {
        SigningKey key = keys.accessTokenKey();
        long now = clock.instant().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", identity.subject());
        claims.put("aud", issuer);
        claims.put("exp", now + lifetime);
        claims.put("iat", now);
        claims.put("jti", signer.randomId());
        claims.put("client_id", clientId);
        claims.put("scope", String.join(" ", scopes));
        claims.put("idp", identity.issuer());
        if (dpopJkt != null) {
            claims.put("cnf", Map.of("jkt", dpopJkt));
        }
        return new Minted(signer.sign(key, key.accessTokenHeader(), Json.write(claims)), (int) lifetime);
    }
}
