package dev.tokenservices.orchestrator.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Random values handed to browsers and clients (codes, states, refresh tokens, cookies) and how
 * they are stored: only under their SHA-256, never in clear. A record can also be sealed with
 * AES-256-GCM under a key derived from the secret itself, so that Redis alone reveals nothing.
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final int NONCE_BYTES = 12;

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

    /** Seals {@code plaintext} under a key derived from {@code secret} (which is not stored). */
    public static String seal(String secret, String plaintext) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(secret), new GCMParameterSpec(128, nonce));
            byte[] ct = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + ct.length);
            System.arraycopy(ct, 0, out, NONCE_BYTES, ct.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a record", e);
        }
    }

    /** @throws IllegalArgumentException when the record was not sealed under this secret */
    public static String open(String secret, String sealed) {
        try {
            byte[] in = Base64.getDecoder().decode(sealed);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(secret), new GCMParameterSpec(128, in, 0, NONCE_BYTES));
            return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the record does not open with this secret");
        }
    }

    private static SecretKeySpec key(String secret) {
        return new SecretKeySpec(sha256(("seal:" + secret).getBytes(StandardCharsets.UTF_8)), "AES");
    }
}
