package dev.tokenservices.shared.jose;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Base64;

/**
 * Compact JWS signing without a JOSE library on the hot path: the header is constant per key, the
 * claims are written by the caller, and each thread keeps a {@link Signature} initialised for the
 * current key. Signing is then the whole cost of a token.
 */
public final class JwsSigner {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private final ThreadLocal<ThreadSigner> signers = ThreadLocal.withInitial(ThreadSigner::new);

    /** @param header the base64url header, {@link SigningKey#accessTokenHeader()} or {@link SigningKey#jwtHeader()} */
    public String sign(SigningKey key, String header, String claimsJson) {
        return signers.get().sign(key, header, claimsJson);
    }

    /** 128 random bits, base64url: a jti. */
    public String randomId() {
        return signers.get().randomId();
    }

    private static final class ThreadSigner {
        private final SecureRandom random = new SecureRandom();
        private final byte[] idBytes = new byte[16];
        private String kid;
        private Signature signature;

        String randomId() {
            random.nextBytes(idBytes);
            return B64.encodeToString(idBytes);
        }

        String sign(SigningKey key, String header, String claimsJson) {
            try {
                if (!key.kid().equals(kid)) {
                    signature = Signature.getInstance(key.algorithm().jcaSignature());
                    signature.initSign(key.privateKey());
                    kid = key.kid();
                }
                String signingInput = header + '.' + B64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
                signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
                return signingInput + '.' + B64.encodeToString(key.algorithm().toJws(signature.sign()));
            } catch (GeneralSecurityException e) {
                kid = null;
                throw new IllegalStateException("signing failed with key " + key.kid(), e);
            }
        }
    }
}
