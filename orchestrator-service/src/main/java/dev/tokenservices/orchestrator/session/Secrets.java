package dev.tokenservices.orchestrator.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Random values handed to browsers and clients (codes, states, refresh tokens, cookies) and how
 * they are looked up: Redis keys are their SHA-256, never the values (the records themselves are
 * sealed by {@link RedisStore}).
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Secrets() {
    }

    /** 256 random bits, base64url (43 characters). */
    public static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return B64.encodeToString(bytes);
    }

    /** The Redis key suffix for a secret: hex SHA-256 with a purpose label, so one secret never opens another's record. */
    public static String hash(String purpose, String secret) {
        return HexFormat.of().formatHex(sha256((purpose + ':' + secret).getBytes(StandardCharsets.UTF_8)));
    }

    public static byte[] sha256(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) compared in constant time. */
    public static boolean pkceMatches(String verifier, String challenge) {
        byte[] computed = B64.encodeToString(sha256(verifier.getBytes(StandardCharsets.US_ASCII))).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(computed, challenge.getBytes(StandardCharsets.US_ASCII));
    }

    public static String s256(String verifier) {
        return B64.encodeToString(sha256(verifier.getBytes(StandardCharsets.US_ASCII)));
    }
}
