package dev.tokenservices.shared.jose;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;

/**
 * The JWS algorithms our keys sign with (RFC 7518 §3, RFC 8037). Each knows how to make a key pair,
 * describe its public half as a JWK, and which JCA signature it uses.
 */
public enum KeyAlgorithm {
    /** ECDSA P-256 with SHA-256: the default; cheap to sign, small tokens. */
    ES256("SHA256withECDSA", "EC"),
    RS256("SHA256withRSA", "RSA"),
    /** Ed25519 (RFC 8037). */
    EdDSA("Ed25519", "Ed25519");

    private final String jcaSignature;
    private final String jcaKeyAlgorithm;

    KeyAlgorithm(String jcaSignature, String jcaKeyAlgorithm) {
        this.jcaSignature = jcaSignature;
        this.jcaKeyAlgorithm = jcaKeyAlgorithm;
    }

    public String jcaSignature() {
        return jcaSignature;
    }

    /** The JCA name that verifies a JWS-form signature (R || S for ECDSA). */
    public String jcaVerifySignature() {
        return this == ES256 ? "SHA256withECDSAinP1363Format" : jcaSignature;
    }

    public KeyPair generate() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaKeyAlgorithm);
        switch (this) {
            case ES256 -> generator.initialize(new ECGenParameterSpec("secp256r1"));
            case RS256 -> generator.initialize(2048);
            case EdDSA -> { }
        }
        return generator.generateKeyPair();
    }

    public PrivateKey privateKey(byte[] pkcs8) throws GeneralSecurityException {
        return KeyFactory.getInstance(jcaKeyAlgorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    /** The public JWK with its RFC 7638 thumbprint as kid. */
    public JWK publicJwk(PublicKey key) throws JOSEException {
        JWK jwk = switch (this) {
            case ES256 -> new ECKey.Builder(Curve.P_256, (ECPublicKey) key).build();
            case RS256 -> new RSAKey.Builder((RSAPublicKey) key).build();
            case EdDSA -> new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(rawEd25519(key))).build();
        };
        String kid = jwk.computeThumbprint().toString();
        return switch (this) {
            case ES256 -> new ECKey.Builder((ECKey) jwk).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).build();
            case RS256 -> new RSAKey.Builder((RSAKey) jwk).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).build();
            case EdDSA -> new OctetKeyPair.Builder((OctetKeyPair) jwk).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.EdDSA).build();
        };
    }

    /** The JCA public key of a JWK (EC, RSA, or Ed25519 OKP, which the JOSE library cannot convert itself). */
    public static PublicKey publicKey(JWK jwk) throws GeneralSecurityException {
        try {
            if (jwk instanceof ECKey ec) {
                return ec.toECPublicKey();
            }
            if (jwk instanceof RSAKey rsa) {
                return rsa.toRSAPublicKey();
            }
        } catch (JOSEException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
        if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
            byte[] x = okp.getX().decode();
            if (x.length != 32) {
                throw new GeneralSecurityException("Ed25519 key must be 32 bytes");
            }
            byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
            System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
            System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, 32);
            return KeyFactory.getInstance("Ed25519").generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
        }
        throw new GeneralSecurityException("unsupported key type " + jwk.getKeyType());
    }

    /** SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410 §4), followed by the 32 raw bytes. */
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    /** The 32-byte public key: an X.509 SubjectPublicKeyInfo for Ed25519 ends with it. */
    private static byte[] rawEd25519(PublicKey key) {
        byte[] encoded = key.getEncoded();
        return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    }

    /**
     * JCA ECDSA signatures are DER; JWS wants the fixed-length R || S (RFC 7518 §3.4). Other
     * algorithms' signatures are already in JWS form.
     */
    public byte[] toJws(byte[] signature) {
        return this == ES256 ? derToConcat(signature, 32) : signature;
    }

    static byte[] derToConcat(byte[] der, int half) {
        // SEQUENCE { INTEGER r, INTEGER s }; for P-256 the sequence length always fits one byte
        int offset = 2;
        if (der[1] == (byte) 0x81) {
            offset = 3;
        }
        byte[] out = new byte[2 * half];
        int rLength = der[offset + 1];
        int rStart = offset + 2;
        copyInteger(der, rStart, rLength, out, 0, half);
        int sOffset = rStart + rLength;
        int sLength = der[sOffset + 1];
        copyInteger(der, sOffset + 2, sLength, out, half, half);
        return out;
    }

    private static void copyInteger(byte[] der, int start, int length, byte[] out, int outStart, int half) {
        // drop the sign byte(s), left-pad to the fixed length
        while (length > half && der[start] == 0) {
            start++;
            length--;
        }
        System.arraycopy(der, start, out, outStart + half - length, length);
    }
}
