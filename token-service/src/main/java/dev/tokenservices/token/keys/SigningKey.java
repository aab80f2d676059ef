package dev.tokenservices.token.keys;

import com.nimbusds.jose.jwk.JWK;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;

/**
 * A decrypted signing key with its schedule. The JWS header of access tokens (RFC 9068 §2.1,
 * {@code typ: at+jwt}) never changes for a key, so it is encoded once.
 */
public record SigningKey(String kid, KeyAlgorithm algorithm, JWK publicJwk, PublicKey publicKey, PrivateKey privateKey,
        Instant createdAt, Instant activatesAt, String accessTokenHeader) {

    public static SigningKey of(String kid, KeyAlgorithm algorithm, JWK publicJwk, PrivateKey privateKey,
            Instant createdAt, Instant activatesAt) throws java.security.GeneralSecurityException {
        String header = "{\"alg\":\"" + algorithm.name() + "\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}";
        return new SigningKey(kid, algorithm, publicJwk, KeyAlgorithm.publicKey(publicJwk), privateKey, createdAt, activatesAt,
                Base64.getUrlEncoder().withoutPadding().encodeToString(header.getBytes(StandardCharsets.UTF_8)));
    }

    public KeySchedule.Entry scheduleEntry() {
        return new KeySchedule.Entry(kid, algorithm, activatesAt);
    }

    @Override
    public String toString() {
        return "SigningKey[kid=" + kid + ", alg=" + algorithm + ", activatesAt=" + activatesAt + "]";
    }
}
