package dev.tokenservices.shared.jose;

import com.nimbusds.jose.jwk.JWK;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;

/**
 * A decrypted signing key with its schedule. The JWS headers never change for a key, so they are
 * encoded once: access tokens ({@code typ: at+jwt}, RFC 9068 §2.1) and other JWTs such as id_tokens.
 */
public record SigningKey(String kid, KeyAlgorithm algorithm, JWK publicJwk, PublicKey publicKey, PrivateKey privateKey,
        Instant createdAt, Instant activatesAt, String accessTokenHeader, String jwtHeader) {

    public static SigningKey of(String kid, KeyAlgorithm algorithm, JWK publicJwk, PrivateKey privateKey,
            Instant createdAt, Instant activatesAt) throws java.security.GeneralSecurityException {
        return new SigningKey(kid, algorithm, publicJwk, KeyAlgorithm.publicKey(publicJwk), privateKey, createdAt, activatesAt,
                header(algorithm, "at+jwt", kid), header(algorithm, "JWT", kid));
    }

    private static String header(KeyAlgorithm algorithm, String typ, String kid) {
        String header = "{\"alg\":\"" + algorithm.name() + "\",\"typ\":\"" + typ + "\",\"kid\":\"" + kid + "\"}";
        return Base64.getUrlEncoder().withoutPadding().encodeToString(header.getBytes(StandardCharsets.UTF_8));
    }

    public KeySchedule.Entry scheduleEntry() {
        return new KeySchedule.Entry(kid, algorithm, activatesAt);
    }

    @Override
    public String toString() {
        return "SigningKey[kid=" + kid + ", alg=" + algorithm + ", activatesAt=" + activatesAt + "]";
    }
}
