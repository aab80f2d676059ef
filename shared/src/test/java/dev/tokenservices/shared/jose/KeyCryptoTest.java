package dev.tokenservices.shared.jose;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Our JWS assembly checked against an independent JOSE implementation, for every algorithm. */
class KeyCryptoTest {

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void signaturesVerifyWithNimbus(KeyAlgorithm algorithm) throws Exception {
        CryptoProvider.install();
        KeyPair pair = algorithm.generate();
        JWK jwk = algorithm.publicJwk(pair.getPublic());
        assertEquals(jwk.computeThumbprint().toString(), jwk.getKeyID(), "kid is the RFC 7638 thumbprint");
        assertEquals(algorithm.name(), jwk.getAlgorithm().getName());
        for (int i = 0; i < 50; i++) { // DER lengths vary with leading zero bytes of r and s
            String input = "eyJhbGciOiJ4In0.payload-" + i;
            Signature signature = Signature.getInstance(algorithm.jcaSignature());
            signature.initSign(pair.getPrivate());
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            byte[] jws = algorithm.toJws(signature.sign());
            boolean ok;
            if (algorithm == KeyAlgorithm.EdDSA) {
                // the JOSE library needs Tink for Ed25519; the JDK verifies it from the published x
                Signature verify = Signature.getInstance("Ed25519", "SunEC");
                verify.initVerify(KeyAlgorithm.publicKey(jwk));
                verify.update(input.getBytes(StandardCharsets.US_ASCII));
                ok = verify.verify(jws);
            } else {
                JWSHeader header = new JWSHeader(JWSAlgorithm.parse(algorithm.name()));
                ok = new DefaultJWSVerifierFactory()
                        .createJWSVerifier(header, ((AsymmetricJWK) jwk).toPublicKey())
                        .verify(header, input.getBytes(StandardCharsets.US_ASCII), Base64URL.encode(jws));
            }
            assertTrue(ok, algorithm + " signature " + i + " must verify");
        }
    }

    @Test
    void sealedKeysOpenOnlyWithTheSameMasterKeyAndKid() throws Exception {
        KeyEncryption master = KeyEncryption.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
        byte[] secret = "pkcs8 bytes".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = master.encrypt("kid-1", secret);
        assertArrayEquals(secret, master.decrypt("kid-1", sealed));
        assertThrows(GeneralSecurityException.class, () -> master.decrypt("kid-2", sealed));
        byte[] other = new byte[32];
        other[0] = 1;
        KeyEncryption wrong = KeyEncryption.fromBase64(Base64.getEncoder().encodeToString(other));
        assertThrows(GeneralSecurityException.class, () -> wrong.decrypt("kid-1", sealed));
    }

    @Test
    void aMalformedMasterKeyIsRefusedWithAHint() {
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> KeyEncryption.fromBase64(Base64.getEncoder().encodeToString(new byte[16])));
        assertTrue(shortKey.getMessage().contains("TS_KEY_ENCRYPTION_KEY"));
        assertTrue(shortKey.getMessage().contains("openssl rand -base64 32"));
        assertThrows(IllegalArgumentException.class, () -> KeyEncryption.fromBase64("not base64 !!"));
    }
}
