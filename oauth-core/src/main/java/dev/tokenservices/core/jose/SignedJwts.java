package dev.tokenservices.core.jose;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.Base64;

/**
 * The one way a compact JWS from outside becomes a {@link SignedJWT}: as {@link SignedJWT#parse}, except
 * that each part is decoded once, up front, by the JDK's base64url decoder, and strictly: a part that is
 * not base64url without padding (any other character, whitespace, a bad length) is a
 * {@link ParseException}, where Nimbus' decoder skips what it does not know. Nimbus' decoder, run again
 * for the header, the claims and the signature, was the largest single frame of a token exchange (5.4 %
 * of its Java samples, bench/README.md); the JDK's is several times faster. What Nimbus signs and verifies
 * is unchanged: the signing input is the parts as received.
 */
public final class SignedJwts {

    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private SignedJwts() {
    }

    /** @throws ParseException not three base64url parts, or a header that is not a JWS header */
    public static SignedJWT parse(String compact) throws ParseException {
        int first = compact.indexOf('.');
        int second = first < 0 ? -1 : compact.indexOf('.', first + 1);
        if (second < 0 || compact.indexOf('.', second + 1) >= 0) {
            throw new ParseException("a signed JWT has three parts separated by dots", 0);
        }
        return new SignedJWT(part(compact, 0, first), part(compact, first + 1, second), part(compact, second + 1, compact.length()));
    }

    private static Decoded part(String compact, int from, int to) throws ParseException {
        String encoded = compact.substring(from, to);
        // the JDK's decoder refuses any other character and a bad length, but takes padding, which a JWS has none of
        if (encoded.indexOf('=') >= 0) {
            throw new ParseException("a part of the JWT is not base64url", from);
        }
        try {
            return new Decoded(encoded, DECODER.decode(encoded));
        } catch (IllegalArgumentException e) {
            throw new ParseException("a part of the JWT is not base64url", from);
        }
    }

    /** A part with its bytes, decoded once; Nimbus gets a copy each time it asks. */
    private static final class Decoded extends Base64URL {
        private final byte[] bytes;

        Decoded(String encoded, byte[] bytes) {
            super(encoded);
            this.bytes = bytes;
        }

        @Override
        public byte[] decode() {
            return bytes.clone();
        }
    }
}
