package dev.tokenservices.shared.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HashesTest {

    @Test
    void sha256HexIsTheKnownDigest() {
        // FIPS 180-2 test vector
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hashes.sha256Hex("abc"));
    }

    @Test
    void hmacSha256OfTheRfc4231Example() {
        SecretKeySpec key = new SecretKeySpec("Jefe".getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                HexFormat.of().formatHex(Hashes.hmacSha256(key, "what do ya want for nothing?")));
    }

    @Test
    void base64urlHasNoPaddingAndUrlAlphabet() {
        assertEquals("-_8", Hashes.base64url(new byte[] {(byte) 0xfb, (byte) 0xff}));
    }

    @Test
    void pkceS256OfTheRfc7636Example() {
        // RFC 7636 Appendix B
        String verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assertEquals("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                Hashes.base64url(Hashes.sha256(verifier.getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void equalComparesWholeValuesAndNeverMatchesNull() {
        assertTrue(Hashes.equal("secret", "secret"));
        assertFalse(Hashes.equal("secret", "secreT"));
        assertFalse(Hashes.equal("secret", "secret2"));
        assertFalse(Hashes.equal(null, "secret"));
        assertFalse(Hashes.equal("secret", null));
    }
}
