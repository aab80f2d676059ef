package dev.tokenservices.shared.jose;

import dev.tokenservices.shared.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of private keys at rest under the master key. The key id is bound as
 * associated data, so a ciphertext moved to another row does not decrypt.
 */
public final class KeyEncryption {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private KeyEncryption(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * @param base64Key base64 (standard or URL-safe) of exactly 32 bytes
     * @throws IllegalArgumentException naming the setting when the key is malformed
     */
    public static KeyEncryption fromBase64(String base64Key) {
        byte[] raw;
        try {
            String trimmed = base64Key.trim();
            raw = trimmed.contains("-") || trimmed.contains("_")
                    ? Base64.getUrlDecoder().decode(trimmed) : Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("TS_KEY_ENCRYPTION_KEY is not base64; make one with: openssl rand -base64 32");
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("TS_KEY_ENCRYPTION_KEY must be 32 bytes (base64 of 32 random bytes), got "
                    + raw.length + "; make one with: openssl rand -base64 32");
        }
        return new KeyEncryption(raw);
    }

    /**
     * The master key of a service: {@code TS_KEY_ENCRYPTION_KEY}, or in dev and test only a fixed
     * development key. Outside dev and test a missing key stops start-up with what to do.
     */
    public static KeyEncryption forService(java.util.Optional<String> configured, boolean devOrTest) {
        java.util.Optional<String> key = configured.filter(k -> !k.isBlank());
        if (key.isPresent()) {
            return fromBase64(key.get());
        }
        if (!devOrTest) {
            throw new IllegalStateException("TS_KEY_ENCRYPTION_KEY is not set: the signing keys are stored encrypted "
                    + "under this master key. Make one with: openssl rand -base64 32 (keep it in a secret; it must not change)");
        }
        org.jboss.logging.Logger.getLogger(KeyEncryption.class)
                .warn("TS_KEY_ENCRYPTION_KEY is not set: using the built-in development master key (dev and test only)");
        return new KeyEncryption(Hashes.sha256("tokenservices development key"));
    }

    /**
     * A key of its own for one purpose (a Redis record kind, a cookie), derived from the master key
     * with HMAC-SHA256, so that a value sealed for one purpose never opens as another and the master
     * key itself never encrypts anything but signing keys.
     */
    public dev.tokenservices.shared.crypto.RecordSeal recordSeal(String purpose) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return new dev.tokenservices.shared.crypto.RecordSeal(
                    mac.doFinal(("tokenservices record seal v1:" + purpose).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] encrypt(String kid, byte[] plaintext) throws GeneralSecurityException {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(kid.getBytes(StandardCharsets.UTF_8));
        byte[] ciphertext = cipher.doFinal(plaintext);
        byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + ciphertext.length);
        System.arraycopy(ciphertext, 0, out, NONCE_BYTES, ciphertext.length);
        return out;
    }

    public byte[] decrypt(String kid, byte[] sealed) throws GeneralSecurityException {
        if (sealed.length <= NONCE_BYTES) {
            throw new GeneralSecurityException("sealed key too short");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
        cipher.updateAAD(kid.getBytes(StandardCharsets.UTF_8));
        return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    }
}
