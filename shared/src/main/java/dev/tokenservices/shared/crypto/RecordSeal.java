package dev.tokenservices.shared.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and authenticates values kept outside the service (Redis records, cookies) under a key
 * derived from the master key for one purpose ({@code KeyEncryption.recordSeal(purpose)}).
 * <ul>
 * <li>{@link #seal}/{@link #open}: AES-256-GCM; the associated data (the Redis key, a cookie name,
 * a state) is authenticated, so a sealed value moved elsewhere does not open. Whoever can read or
 * write the datastore learns nothing and can forge nothing.
 * <li>{@link #mac}/{@link #verify}: HMAC-SHA256 for records that must stay readable by scripts (the
 * device-code hash), compared in constant time.
 * </ul>
 */
public final class RecordSeal {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    /**
     * One AES-GCM cipher per thread, initialised anew (key, fresh nonce) for every record: looking the
     * transformation up among the providers cost four times what sealing a login's record does.
     */
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
    });

    private final SecretKeySpec encryptionKey;
    private final SecretKeySpec macKey;

    /** @param derived 32 bytes derived from the master key for one purpose */
    public RecordSeal(byte[] derived) {
        if (derived.length != 32) {
            throw new IllegalArgumentException("a record seal key is 32 bytes");
        }
        this.encryptionKey = new SecretKeySpec(hmac(derived, "encrypt"), "AES");
        this.macKey = new SecretKeySpec(hmac(derived, "mac"), "HmacSHA256");
    }

    /** base64url(nonce ‖ ciphertext ‖ tag). */
    public String seal(String associated, String plaintext) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.ENCRYPT_MODE, encryptionKey, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
            byte[] ct = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + ct.length);
            System.arraycopy(ct, 0, out, NONCE_BYTES, ct.length);
            return B64.encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a record", e);
        }
    }

    /** The plaintext; empty when {@code sealed} was not sealed by this key for {@code associated}, or was altered. */
    public Optional<String> open(String associated, String sealed) {
        if (sealed == null) {
            return Optional.empty();
        }
        try {
            byte[] in = Base64.getUrlDecoder().decode(sealed);
            if (in.length < NONCE_BYTES + TAG_BITS / 8) {
                return Optional.empty();
            }
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.DECRYPT_MODE, encryptionKey, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
            return Optional.of(new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** base64url HMAC-SHA256 of {@code data}. */
    public String mac(String data) {
        return B64.encodeToString(Hashes.hmacSha256(macKey, data));
    }

    /** Constant-time check of a {@link #mac}. */
    public boolean verify(String data, String mac) {
        if (mac == null) {
            return false;
        }
        return MessageDigest.isEqual(mac(data).getBytes(StandardCharsets.US_ASCII), mac.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] hmac(byte[] key, String label) {
        return Hashes.hmacSha256(new SecretKeySpec(key, "HmacSHA256"), label);
    }
}
