package dev.tokenservices.core.jose;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing as Nimbus does, but strict about base64url: anything else is a ParseException, never an unchecked error. */
class SignedJwtsTest {

    private static final ECKey KEY;

    static {
        try {
            KEY = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String token() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(),
                new JWTClaimsSet.Builder().issuer("https://issuer.example").subject("ann").claim("name", "Ann Ünal").build());
        jwt.sign(new ECDSASigner(KEY));
        return jwt.serialize();
    }

    @Test
    void aTokenParsesAsNimbusParsesItAndItsSignatureVerifies() throws Exception {
        String token = token();
        SignedJWT ours = SignedJwts.parse(token);
        SignedJWT nimbus = SignedJWT.parse(token);
        assertEquals(nimbus.getHeader().toJSONObject(), ours.getHeader().toJSONObject());
        assertEquals(nimbus.getJWTClaimsSet().toJSONObject(), ours.getJWTClaimsSet().toJSONObject());
        assertEquals("Ann Ünal", ours.getJWTClaimsSet().getStringClaim("name"));
        assertArrayEquals(nimbus.getSignature().decode(), ours.getSignature().decode());
        assertEquals(token, ours.getParsedString());
        assertTrue(ours.verify(new ECDSAVerifier(KEY.toECPublicKey())));
    }

    @Test
    void aTamperedClaimsPartNoLongerVerifies() throws Exception {
        String[] parts = token().split("\\.");
        String other = com.nimbusds.jose.util.Base64URL.encode("{\"iss\":\"https://issuer.example\",\"sub\":\"bob\"}").toString();
        assertFalse(SignedJwts.parse(parts[0] + "." + other + "." + parts[2]).verify(new ECDSAVerifier(KEY.toECPublicKey())));
    }

    @Test
    void aDecodedPartCannotBeAlteredThroughWhatItHandsOut() throws Exception {
        SignedJWT jwt = SignedJwts.parse(token());
        byte[] signature = jwt.getSignature().decode();
        signature[0] ^= 1;
        assertTrue(jwt.verify(new ECDSAVerifier(KEY.toECPublicKey())), "each caller gets its own copy");
    }

    @Test
    void anythingButThreeBase64urlPartsIsAParseException() throws Exception {
        String token = token();
        String[] parts = token.split("\\.");
        for (String bad : List.of(
                "", "abc", parts[0] + "." + parts[1], token + ".", token + "." + parts[2], // not three parts
                parts[0] + "=." + parts[1] + "." + parts[2], // padding
                parts[0] + "." + parts[1] + " ." + parts[2], // whitespace, which Nimbus skips
                parts[0] + "." + parts[1].replace('-', '+').substring(0, 8) + "+/" + "." + parts[2], // base64, not base64url
                parts[0] + "." + parts[1] + "." + parts[2].substring(0, 85), // a length no base64 has (85 = 4 × 21 + 1)
                parts[0] + "." + parts[1] + "." + parts[2].substring(0, 4) + "é" + parts[2].substring(5),
                "e30." + parts[1] + "." + parts[2], // {} : a header without alg
                "bm90IGpzb24." + parts[1] + "." + parts[2])) { // not JSON
            assertThrows(ParseException.class, () -> SignedJwts.parse(bad), bad);
        }
    }
}
