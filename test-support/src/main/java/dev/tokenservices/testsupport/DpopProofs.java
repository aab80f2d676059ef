package dev.tokenservices.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * DPoP proofs (RFC 9449 §4.2) as a client signs them, with Nimbus's signers (Ed25519 with the JDK's),
 * written here apart from the verifier's code. A builder starts from a valid proof and can be bent into
 * any hostile one: another {@code alg} or {@code typ}, a private {@code jwk}, missing or wrong claims.
 */
public final class DpopProofs {

    private DpopProofs() {
    }

    public static ECKey ecKey() {
        try {
            return new ECKeyGenerator(Curve.P_256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RSAKey rsaKey(int bits) {
        try {
            return new RSAKeyGenerator(bits, true).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An Ed25519 key pair as an OKP JWK (RFC 8037), made with the JDK. */
    public static OctetKeyPair ed25519Key() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] spki = pair.getPublic().getEncoded();
            byte[] pkcs8 = pair.getPrivate().getEncoded();
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length)))
                    .d(Base64URL.encode(Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length))).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 7638 computed by hand: SHA-256 of the required members in lexicographic order, base64url. */
    public static String thumbprint(JWK key) {
        Map<String, Object> json = key.toPublicJWK().toJSONObject();
        String canonical = switch (key.getKeyType().getValue()) {
            case "EC" -> "{\"crv\":\"" + json.get("crv") + "\",\"kty\":\"EC\",\"x\":\"" + json.get("x") + "\",\"y\":\"" + json.get("y") + "\"}";
            case "RSA" -> "{\"e\":\"" + json.get("e") + "\",\"kty\":\"RSA\",\"n\":\"" + json.get("n") + "\"}";
            case "OKP" -> "{\"crv\":\"" + json.get("crv") + "\",\"kty\":\"OKP\",\"x\":\"" + json.get("x") + "\"}";
            default -> throw new IllegalArgumentException("no thumbprint for " + key.getKeyType());
        };
        return sha256(canonical);
    }

    /** {@code ath}: base64url SHA-256 of the access token. */
    public static String ath(String accessToken) {
        return sha256(accessToken);
    }

    /** A valid proof of {@code key} for {@code htm} at {@code htu}, issued now with a fresh jti. */
    public static Builder proof(JWK key, String htm, String htu) {
        return new Builder(key, htm, htu);
    }

    public static final class Builder {

        private final JWK key;
        private final Map<String, Object> header = new LinkedHashMap<>();
        private final Map<String, Object> claims = new LinkedHashMap<>();
        private JWK signingKey;
        private byte[] macSecret;

        private Builder(JWK key, String htm, String htu) {
            this.key = key;
            this.signingKey = key;
            header.put("typ", "dpop+jwt");
            header.put("alg", defaultAlg(key));
            header.put("jwk", key.toPublicJWK().toJSONObject());
            claims.put("jti", UUID.randomUUID().toString());
            claims.put("htm", htm);
            claims.put("htu", htu);
            claims.put("iat", Instant.now().getEpochSecond());
        }

        public Builder alg(String alg) {
            header.put("alg", alg);
            return this;
        }

        /** A header member set (or, with null, removed): typ, jwk, kid… */
        public Builder header(String name, Object value) {
            if (value == null) {
                header.remove(name);
            } else {
                header.put(name, value);
            }
            return this;
        }

        /** A claim set (or, with null, removed). */
        public Builder claim(String name, Object value) {
            if (value == null) {
                claims.remove(name);
            } else {
                claims.put(name, value);
            }
            return this;
        }

        public Builder jti(String jti) {
            return claim("jti", jti);
        }

        public Builder iat(Instant iat) {
            return claim("iat", iat.getEpochSecond());
        }

        public Builder accessToken(String accessToken) {
            return claim("ath", ath(accessToken));
        }

        public Builder nonce(String nonce) {
            return claim("nonce", nonce);
        }

        /** Signs with another key than the one in the header. */
        public Builder signedBy(JWK other) {
            this.signingKey = other;
            return this;
        }

        /** Signs with HMAC under {@code secret} (for {@code alg: HS256}). */
        public Builder macSecret(byte[] secret) {
            this.macSecret = secret;
            return this;
        }

        public JWK key() {
            return key;
        }

        public String sign() {
            String input = b64(JSONObjectUtils.toJSONString(header)) + "." + b64(JSONObjectUtils.toJSONString(claims));
            String alg = String.valueOf(header.get("alg"));
            return input + "." + signature(alg, input.getBytes(StandardCharsets.US_ASCII));
        }

        private String signature(String alg, byte[] input) {
            try {
                if (alg.equals("none")) {
                    return "";
                }
                if (alg.startsWith("HS")) {
                    return new MACSigner(macSecret).sign(new JWSHeader(JWSAlgorithm.parse(alg)), input).toString();
                }
                // a header naming an algorithm the key cannot sign with: signed with the key's own
                if (signingKey instanceof ECKey ec) {
                    JWSHeader jws = new JWSHeader(com.nimbusds.jose.crypto.impl.ECDSA.resolveAlgorithm(ec.getCurve()));
                    return new ECDSASigner(ec).sign(jws, input).toString();
                }
                if (signingKey instanceof RSAKey rsa) {
                    JWSHeader jws = new JWSHeader(JWSAlgorithm.parse(alg.startsWith("RS") || alg.startsWith("PS") ? alg : "PS256"));
                    return new RSASSASigner(rsa.toPrivateKey(), true).sign(jws, input).toString();
                }
                OctetKeyPair okp = (OctetKeyPair) signingKey;
                byte[] pkcs8Prefix = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
                byte[] pkcs8 = Arrays.copyOf(pkcs8Prefix, pkcs8Prefix.length + 32);
                System.arraycopy(okp.getD().decode(), 0, pkcs8, pkcs8Prefix.length, 32);
                Signature signer = Signature.getInstance("Ed25519");
                signer.initSign(java.security.KeyFactory.getInstance("Ed25519")
                        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8)));
                signer.update(input);
                return Base64URL.encode(signer.sign()).toString();
            } catch (JOSEException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String defaultAlg(JWK key) {
            return switch (key.getKeyType().getValue()) {
                case "EC" -> "ES256";
                case "RSA" -> "PS256";
                default -> "EdDSA";
            };
        }
    }

    private static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String sha256(String value) {
        try {
            return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.US_ASCII))).toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
