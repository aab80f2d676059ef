package dev.tokenservices.token.issuance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.keys.KeyManager;
import dev.tokenservices.token.keys.SigningKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;

/**
 * The one place access tokens are made: RFC 9068 JWTs ({@code typ: at+jwt}; iss, sub, aud, exp,
 * iat, jti, client_id, scope) signed with the active key. Grants describe a token in a
 * {@link TokenContext}; they never sign anything themselves.
 *
 * <p>Assembled directly rather than through a JOSE library: the header is constant per key, the
 * claims are written once, and each thread keeps its own initialised {@link Signature}. Signing is
 * then the whole cost of a token.
 */
@ApplicationScoped
public class AccessTokenIssuer {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String issuer;
    private final KeyManager keys;
    private final Clock clock;
    private final ThreadLocal<ThreadSigner> signers = ThreadLocal.withInitial(ThreadSigner::new);

    public AccessTokenIssuer(TokenServiceConfig config, KeyManager keys, Clock clock) {
        this.issuer = config.issuer();
        this.keys = keys;
        this.clock = clock;
    }

    public IssuedToken issue(TokenContext context) {
        ThreadSigner signer = signers.get();
        long now = clock.millis() / 1000;
        long exp = now + context.lifetimeSeconds();
        String jti = signer.jti();
        StringBuilder claims = new StringBuilder(320).append('{');
        JsonText.field(claims, "iss", issuer).append(',');
        JsonText.field(claims, "sub", context.subject()).append(',');
        JsonText.string(claims, "aud").append(':');
        if (context.audiences().size() == 1) {
            JsonText.string(claims, context.audiences().get(0));
        } else {
            claims.append('[');
            for (int i = 0; i < context.audiences().size(); i++) {
                JsonText.string(i == 0 ? claims : claims.append(','), context.audiences().get(i));
            }
            claims.append(']');
        }
        claims.append(",\"exp\":").append(exp).append(",\"iat\":").append(now).append(',');
        JsonText.field(claims, "jti", jti).append(',');
        JsonText.field(claims, "client_id", context.clientId());
        if (!context.scopes().isEmpty()) {
            JsonText.field(claims.append(','), "scope", context.scopeString());
        }
        for (Map.Entry<String, Object> extra : context.extraClaims().entrySet()) {
            JsonText.string(claims.append(','), extra.getKey()).append(':').append(toJson(extra.getValue()));
        }
        claims.append('}');
        String token = signer.sign(keys.signingKey(), claims.toString());
        return new IssuedToken(token, jti, exp, context.lifetimeSeconds(), context.scopeString());
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("claim value cannot be written as JSON", e);
        }
    }

    /** Per-thread signing state: a Signature initialised for the current key, a random source. */
    private static final class ThreadSigner {
        private final SecureRandom random = new SecureRandom();
        private final byte[] jtiBytes = new byte[16];
        private String kid;
        private Signature signature;

        String jti() {
            random.nextBytes(jtiBytes);
            return B64.encodeToString(jtiBytes);
        }

        String sign(SigningKey key, String claimsJson) {
            try {
                if (!key.kid().equals(kid)) {
                    signature = Signature.getInstance(key.algorithm().jcaSignature());
                    signature.initSign(key.privateKey());
                    kid = key.kid();
                }
                String signingInput = key.accessTokenHeader() + '.' + B64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
                signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
                byte[] jws = key.algorithm().toJws(signature.sign());
                return signingInput + '.' + B64.encodeToString(jws);
            } catch (GeneralSecurityException e) {
                kid = null;
                throw new IllegalStateException("signing failed with key " + key.kid(), e);
            }
        }
    }
}
