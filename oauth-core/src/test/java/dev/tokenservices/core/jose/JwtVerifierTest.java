package dev.tokenservices.core.jose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JwtVerifierTest {

    private record Keys(JWKSet keys) implements SecurityContext {
    }

    private static final JWTClaimsSet CLAIMS = new JWTClaimsSet.Builder().issuer("https://issuer.example").subject("ann").build();

    private final JwtVerifier<Keys> verifier = new JwtVerifier<>(JwtVerifier.ASYMMETRIC, JwtVerifier.type("at+jwt"),
            JwtKeys.from(Keys::keys), (claims, keys) -> {
                if (!"https://issuer.example".equals(claims.getIssuer())) {
                    throw new BadJWTException("iss is not ours");
                }
            });

    private static ECKey ecKey(String kid) throws Exception {
        return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    }

    private static SignedJWT signed(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(signer);
        return SignedJWT.parse(jwt.serialize());
    }

    private static JWSHeader es256(String kid) {
        return new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).type(new JOSEObjectType("at+jwt")).build();
    }

    @Test
    void verifyWhenSignedWithAPublishedKeyThenTheClaims() throws Exception {
        ECKey key = ecKey("k1");
        SignedJWT jwt = signed(new ECDSASigner(key), es256("k1"), CLAIMS);
        assertEquals("ann", verifier.verify(jwt, new Keys(new JWKSet(key.toPublicJWK()))).getSubject());
    }

    @Test
    void verifiersAreMadeOncePerKeyAndAlgorithm() throws Exception {
        java.security.PublicKey first = ecKey("k1").toECPublicKey();
        java.security.PublicKey second = ecKey("k2").toECPublicKey();
        JWSHeader header = es256("k1");
        assertSame(Verifiers.INSTANCE.createJWSVerifier(header, first), Verifiers.INSTANCE.createJWSVerifier(header, first));
        assertNotSame(Verifiers.INSTANCE.createJWSVerifier(header, first), Verifiers.INSTANCE.createJWSVerifier(header, second));
    }

    @Test
    void verifyWhenTheKeyUnderAKidChangesThenOnlyTheNewKeyVerifies() throws Exception {
        // the verifiers made once per key must follow a rotation that keeps the kid
        ECKey old = ecKey("k1");
        ECKey rotated = ecKey("k1");
        SignedJWT byOld = signed(new ECDSASigner(old), es256("k1"), CLAIMS);
        SignedJWT byRotated = signed(new ECDSASigner(rotated), es256("k1"), CLAIMS);
        assertEquals("ann", verifier.verify(byOld, new Keys(new JWKSet(old.toPublicJWK()))).getSubject());
        assertEquals("ann", verifier.verify(byRotated, new Keys(new JWKSet(rotated.toPublicJWK()))).getSubject());
        assertThrows(BadJOSEException.class, () -> verifier.verify(byOld, new Keys(new JWKSet(rotated.toPublicJWK()))));
        assertThrows(BadJOSEException.class, () -> verifier.verify(byRotated, new Keys(new JWKSet(old.toPublicJWK()))));
    }

    @Test
    void verifyWhenSignedWithAnotherKeyThenRefused() throws Exception {
        SignedJWT jwt = signed(new ECDSASigner(ecKey("k1")), es256("k1"), CLAIMS);
        assertThrows(BadJOSEException.class, () -> verifier.verify(jwt, new Keys(new JWKSet(ecKey("k1").toPublicJWK()))));
    }

    @Test
    void verifyWhenTheSignatureIsAllZeroThenRefused() throws Exception {
        // CVE-2022-21449: r = s = 0 verified on some JDKs
        ECKey key = ecKey("k1");
        String[] parts = signed(new ECDSASigner(key), es256("k1"), CLAIMS).serialize().split("\\.");
        SignedJWT forged = SignedJWT.parse(parts[0] + "." + parts[1] + "." + Base64URL.encode(new byte[64]));
        assertThrows(BadJOSEException.class, () -> verifier.verify(forged, new Keys(new JWKSet(key.toPublicJWK()))));
    }

    @Test
    void verifyWhenHmacWithThePublicKeyAsSecretThenRefused() throws Exception {
        ECKey key = ecKey("k1");
        byte[] secret = Arrays.copyOf(key.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8), 64);
        SignedJWT jwt = signed(new MACSigner(secret),
                new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").type(new JOSEObjectType("at+jwt")).build(), CLAIMS);
        assertThrows(BadJOSEException.class, () -> verifier.verify(jwt, new Keys(new JWKSet(key.toPublicJWK()))));
    }

    @Test
    void verifyWhenTheTypeIsAnotherThenRefusedBeforeAnyKey() throws Exception {
        ECKey key = ecKey("k1");
        SignedJWT jwt = signed(new ECDSASigner(key), new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(), CLAIMS);
        BadJOSEException e = assertThrows(BadJOSEException.class, () -> verifier.verify(jwt, new Keys(new JWKSet(key.toPublicJWK()))));
        assertTrue(e.getMessage().contains("typ"));
    }

    @Test
    void verifyWhenTheClaimsBreakARuleThenTheRulesMessage() throws Exception {
        ECKey key = ecKey("k1");
        SignedJWT jwt = signed(new ECDSASigner(key), es256("k1"), new JWTClaimsSet.Builder().issuer("https://elsewhere").build());
        BadJOSEException e = assertThrows(BadJWTException.class, () -> verifier.verify(jwt, new Keys(new JWKSet(key.toPublicJWK()))));
        assertEquals("iss is not ours", e.getMessage());
    }

    @Test
    void verifyWhenSignedWithEd25519ThenVerifiedWithoutTink() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length)))
                .keyID("ed").build();
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("ed").type(new JOSEObjectType("at+jwt")).build();
        String input = header.toBase64URL() + "." + Base64URL.encode(CLAIMS.toString());
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update(input.getBytes(StandardCharsets.US_ASCII));
        SignedJWT jwt = SignedJWT.parse(input + "." + Base64URL.encode(signer.sign()));
        assertEquals("ann", verifier.verify(jwt, new Keys(new JWKSet(jwk))).getSubject());
        SignedJWT tampered = SignedJWT.parse(header.toBase64URL() + "." + Base64URL.encode(CLAIMS.toString().replace("ann", "bob"))
                + "." + jwt.getSignature());
        assertThrows(BadJOSEException.class, () -> verifier.verify(tampered, new Keys(new JWKSet(jwk))));
    }
}
