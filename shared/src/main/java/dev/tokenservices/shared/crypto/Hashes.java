package dev.tokenservices.shared.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one SHA-256, HMAC-SHA256 and base64url helper. Secrets the services hand out (client secrets, refresh
 * tokens, device codes, codes and states) are stored and looked up only by their SHA-256; what is
 * compared against a secret is compared in constant time.
 */
public final class Hashes {

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final HexFormat HEX = HexFormat.of();

    private Hashes() {
    }

    public static byte[] sha256(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** SHA-256 of the UTF-8 bytes. */
    public static byte[] sha256(String value) {
        return sha256(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Lower-case hex SHA-256 of the UTF-8 bytes: the form of the registry's secret hashes and of the store keys. */
    public static String sha256Hex(String value) {
        return HEX.formatHex(sha256(value));
    }

    /** HMAC-SHA256 (RFC 2104) of the UTF-8 bytes of {@code data}. */
    public static byte[] hmacSha256(SecretKeySpec key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Base64url without padding (RFC 7515 §2, RFC 7636 §3). */
    public static String base64url(byte[] value) {
        return BASE64URL.encodeToString(value);
    }

    /** Constant-time comparison: how long it takes does not tell how much of a secret matched. */
    public static boolean equal(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    /** Constant-time comparison of two strings' UTF-8 bytes; a null never matches. */
    public static boolean equal(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
