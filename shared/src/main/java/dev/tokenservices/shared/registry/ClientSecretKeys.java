package dev.tokenservices.shared.registry;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Reads the P-256 private key a client secret JWT is signed with ({@code client_secret_jwt_key}):
 * a PKCS#8 PEM (Apple's {@code AuthKey_<kid>.p8} as downloaded) or a private EC JWK.
 */
public final class ClientSecretKeys {

    private ClientSecretKeys() {
    }

    /** @throws IllegalArgumentException saying what is wrong, never the key */
    public static ECPrivateKey parse(String text) {
        String value = text == null ? "" : text.strip();
        try {
            if (value.startsWith("{")) {
                ECKey jwk = ECKey.parse(value);
                if (!jwk.isPrivate() || !Curve.P_256.equals(jwk.getCurve())) {
                    throw new IllegalArgumentException("must be a private P-256 (ES256) key");
                }
                return jwk.toECPrivateKey();
            }
            if (!value.startsWith("-----BEGIN PRIVATE KEY-----")) {
                throw new IllegalArgumentException("must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) or a private EC JWK");
            }
            String base64 = value.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                    .replaceAll("\\s+", "");
            ECPrivateKey key = (ECPrivateKey) KeyFactory.getInstance("EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            if (key.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("must be a P-256 (ES256) key");
            }
            return key;
        } catch (java.text.ParseException | JOSEException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("must be a private P-256 (ES256) key as PKCS#8 PEM or JWK; it could not be read");
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("must")) {
                throw e;
            }
            throw new IllegalArgumentException("must be a PKCS#8 PEM whose body is base64");
        }
    }
}
