package dev.tokenservices.core.jose;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;
import java.util.List;
import java.util.Set;

/**
 * The one way a JWT we did not just sign is accepted: our own access tokens and id_tokens coming
 * back, client assertions, external id_tokens. Nimbus's {@link DefaultJWTProcessor} does the work
 * in its order (typ, key selection, signature, then claims: the claims of a token whose signature
 * does not verify are never judged); each use names what it accepts:
 * <ul>
 * <li>the algorithms, explicitly (asymmetric only: no {@code none}, no HMAC with a public key);</li>
 * <li>the {@code typ} values;</li>
 * <li>the keys that may have signed a header;</li>
 * <li>the claims rules (issuer, audience, {@code exp}/{@code nbf}/{@code iat} with clock skew…).</li>
 * </ul>
 * Signatures are checked by Nimbus's verifiers ({@link Verifiers}): ECDSA signatures with
 * {@code r} or {@code s} zero are refused there.
 *
 * @param <C> what a verification is given besides the token (the issuer's keys, the client)
 */
public final class JwtVerifier<C extends SecurityContext> {

    /** Asymmetric algorithms only: a public key must never be usable as an HMAC secret. */
    public static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    private final DefaultJWTProcessor<C> processor = new DefaultJWTProcessor<>();

    /**
     * @param algorithms the accepted {@code alg} values; any other header has no key
     * @param types the accepted {@code typ} values
     * @param keys the keys that may have signed a header
     * @param claims the rules the claims must pass once the signature verifies
     */
    public JwtVerifier(Set<JWSAlgorithm> algorithms, JOSEObjectTypeVerifier<C> types, JWSKeySelector<C> keys,
            JWTClaimsSetVerifier<C> claims) {
        processor.setJWSTypeVerifier(types);
        processor.setJWSKeySelector((header, context) -> algorithms.contains(header.getAlgorithm())
                ? keys.selectJWSKeys(header, context)
                : List.of());
        processor.setJWSVerifierFactory(Verifiers.INSTANCE);
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** A {@code typ} check (RFC 8725 §3.11): exactly this type, compared as media types are (case-insensitively). */
    public static <C extends SecurityContext> JOSEObjectTypeVerifier<C> type(String expected) {
        return (type, context) -> {
            if (type == null || !expected.equalsIgnoreCase(type.getType())) {
                throw new BadJOSEException("typ must be " + expected);
            }
        };
    }

    /** No {@code typ} check here (the caller judged the header before anything was fetched). */
    public static <C extends SecurityContext> JOSEObjectTypeVerifier<C> anyType() {
        return (type, context) -> { };
    }

    /**
     * @throws BadJOSEException the token is not acceptable (its type, no key for it, its signature, its
     *         claims: the message says which, as the claims rules wrote it)
     */
    public JWTClaimsSet verify(SignedJWT jwt, C context) throws BadJOSEException {
        try {
            return processor.process(jwt, context);
        } catch (JOSEException e) {
            // a key that cannot check this header (wrong size, unusable) is not the key
            throw new BadJOSEException("the signature could not be checked", e);
        }
    }
}
