package dev.tokenservices.orchestrator.token;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.jose.JwsSigner;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.jose.SigningKey;
import dev.tokenservices.shared.registry.ClientEntry;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mints the orchestrator's own id_token (OIDC Core §2, §3.1.3.6) so that every stock OIDC library
 * validates it: iss = the orchestrator, aud = azp = the client, the client's nonce, {@code at_hash},
 * the upstream {@code sub} unchanged with the upstream issuer in {@code idp}, and the user's claims
 * the {@code claims} parameter asked for in the id_token (§5.5; those of the scope values are at
 * /userinfo, §5.4). Signed with the client's registered {@code id_token_signed_response_alg}
 * (RS256 unless it names another).
 */
@ApplicationScoped
public class IdTokenMinter {

    private final IdTokenKeys keys;
    private final JwsSigner signer = new JwsSigner();
    private final String issuer;
    private final long lifetime;
    private final Clock clock;

    public IdTokenMinter(IdTokenKeys keys, OrchestratorConfig config, Clock clock) {
        this.keys = keys;
        this.issuer = config.issuer();
        this.lifetime = config.idTokenLifetime().toSeconds();
        this.clock = clock;
    }

    /**
     * @param claims the login's claims request, or null for none
     * @param nonce  the client's nonce, or null (refresh: OIDC Core §12.2 says no nonce then)
     */
    public String mint(ClientEntry client, Identity identity, ClaimsRequest claims, String nonce, String accessToken) {
        SigningKey key = keys.signingKey(client.idTokenSignedResponseAlg());
        long now = clock.instant().getEpochSecond();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("iss", issuer);
        payload.put("sub", identity.subject());
        payload.put("aud", client.clientId());
        payload.put("azp", client.clientId());
        payload.put("exp", now + lifetime);
        payload.put("iat", now);
        payload.put("auth_time", identity.authTime());
        if (nonce != null) {
            payload.put("nonce", nonce);
        }
        if (identity.acr() != null) {
            payload.put("acr", identity.acr());
        }
        if (identity.amr() != null && !identity.amr().isEmpty()) {
            payload.put("amr", identity.amr());
        }
        payload.put("idp", identity.issuer());
        if (accessToken != null) {
            payload.put("at_hash", atHash(key.algorithm(), accessToken));
        }
        UserClaims.forIdToken(identity, claims).forEach(payload::putIfAbsent);
        return signer.sign(key, key.jwtHeader(), Json.write(payload));
    }

    /**
     * OIDC Core §3.1.3.6: left half of the hash of the access token, with the hash of the JWS
     * algorithm (SHA-512 for Ed25519, as OpenID Connect's EdDSA usage defines it).
     */
    static String atHash(KeyAlgorithm algorithm, String accessToken) {
        try {
            MessageDigest digest = MessageDigest.getInstance(algorithm == KeyAlgorithm.EdDSA ? "SHA-512" : "SHA-256");
            byte[] hash = digest.digest(accessToken.getBytes(StandardCharsets.US_ASCII));
            return Hashes.base64url(Arrays.copyOf(hash, hash.length / 2));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
