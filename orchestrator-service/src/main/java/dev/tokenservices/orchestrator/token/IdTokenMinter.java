package dev.tokenservices.orchestrator.token;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.jose.JwsSigner;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.jose.SigningKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mints the orchestrator's own id_token (OIDC Core §2, §3.1.3.6) so that every stock OIDC library
 * validates it: iss = the orchestrator, aud = azp = the client, the client's nonce, {@code at_hash},
 * the upstream {@code sub} unchanged with the upstream issuer in {@code idp}, and the upstream
 * identity claims the granted OIDC scopes cover (§5.4).
 */
@ApplicationScoped
public class IdTokenMinter {

    static final Map<String, List<String>> SCOPE_CLAIMS = Map.of(
            "profile", List.of("name", "family_name", "given_name", "middle_name", "nickname", "preferred_username",
                    "profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"),
            "email", List.of("email", "email_verified"),
            "address", List.of("address"),
            "phone", List.of("phone_number", "phone_number_verified"));

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

    /** @param nonce the client's nonce, or null (refresh: OIDC Core §12.2 says no nonce then) */
    public String mint(String clientId, Identity identity, List<String> scopes, String nonce, String accessToken) {
        SigningKey key = keys.signingKey();
        long now = clock.instant().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", identity.subject());
        claims.put("aud", clientId);
        claims.put("azp", clientId);
        claims.put("exp", now + lifetime);
        claims.put("iat", now);
        claims.put("auth_time", identity.authTime());
        if (nonce != null) {
            claims.put("nonce", nonce);
        }
        if (identity.acr() != null) {
            claims.put("acr", identity.acr());
        }
        if (identity.amr() != null && !identity.amr().isEmpty()) {
            claims.put("amr", identity.amr());
        }
        claims.put("idp", identity.issuer());
        if (accessToken != null) {
            claims.put("at_hash", atHash(key.algorithm(), accessToken));
        }
        claims.putAll(userClaims(identity, scopes));
        return signer.sign(key, key.jwtHeader(), Json.write(claims));
    }

    /** The upstream identity claims the scopes allow (OIDC Core §5.4); used by /userinfo too. */
    public static Map<String, Object> userClaims(Identity identity, List<String> scopes) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String scope : scopes) {
            for (String claim : SCOPE_CLAIMS.getOrDefault(scope, List.of())) {
                Object value = identity.claims().get(claim);
                if (value != null) {
                    out.put(claim, value);
                }
            }
        }
        return out;
    }

    /** OIDC Core §3.1.3.6: left half of the hash of the access token, the hash of the JWS algorithm. */
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
