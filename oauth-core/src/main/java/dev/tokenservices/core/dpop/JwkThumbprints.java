package dev.tokenservices.core.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import java.util.regex.Pattern;

/** JWK SHA-256 thumbprints (RFC 7638), the {@code jkt} a DPoP-bound token names (RFC 9449 §6.1). */
public final class JwkThumbprints {

    /** base64url of 32 bytes, without padding. */
    private static final Pattern JKT = Pattern.compile("^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$");

    private JwkThumbprints() {
    }

    public static String of(JWK key) {
        try {
            return key.computeThumbprint("SHA-256").toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Whether {@code value} has the form of a SHA-256 thumbprint: 43 base64url characters (the last one
     * carrying 4 bits, as a 32-byte value ends), e.g. an RFC 9449 §10 {@code dpop_jkt} parameter.
     */
    public static boolean isWellFormed(String value) {
        return value != null && JKT.matcher(value).matches();
    }
}
