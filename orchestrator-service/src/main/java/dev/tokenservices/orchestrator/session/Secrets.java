package dev.tokenservices.orchestrator.session;

import dev.tokenservices.shared.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * Random values handed to browsers and clients (codes, states, refresh tokens, cookies) and how
 * they are looked up: Redis keys are their SHA-256, never the values (the records themselves are
 * sealed by {@link RedisStore}).
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** 256 random bits, base64url (43 characters). */
    public static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Hashes.base64url(bytes);
    }

    /** The Redis key suffix for a secret: hex SHA-256 with a purpose label, so one secret never opens another's record. */
    public static String hash(String purpose, String secret) {
        return Hashes.sha256Hex(purpose + ':' + secret);
    }

    /** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) compared in constant time. */
    public static boolean pkceMatches(String verifier, String challenge) {
        return Hashes.equal(s256(verifier), challenge);
    }

    public static String s256(String verifier) {
        return Hashes.base64url(Hashes.sha256(verifier.getBytes(StandardCharsets.US_ASCII)));
    }
}
