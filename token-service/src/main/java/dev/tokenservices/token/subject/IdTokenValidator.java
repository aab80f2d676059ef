package dev.tokenservices.token.subject;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The rules an external id_token must pass (OpenID Connect Core §3.1.3.7, RFC 8725), given the
 * issuer's keys. No I/O and no clock of its own, so every hostile variant is a plain unit test.
 * Every refusal is {@code invalid_request} (RFC 8693 §2.2.2) with a description of what was wrong.
 */
public final class IdTokenValidator {

    /** Asymmetric algorithms only: no "none", no HMAC (which would turn a public key into a secret). */
    public static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    /** Claims that describe the token, not the person; never forwarded to authorities. */
    private static final Set<String> PROTOCOL_CLAIMS = Set.of("iss", "sub", "aud", "exp", "iat", "nbf", "jti", "azp",
            "nonce", "at_hash", "c_hash", "s_hash", "auth_time", "sid", "typ", "cnf", "may_act", "act", "client_id", "scope");

    private final Duration skew;
    private static final DefaultJWSVerifierFactory VERIFIERS = new DefaultJWSVerifierFactory();
    /**
     * The signature check of each issuer key, made once: converting a JWK to a JCA key and building its
     * verifier costs more than verifying. Few, trusted keys; emptied should it ever grow past 1,000.
     */
    private static final ConcurrentMap<JWK, KeyCheck> KEY_CHECKS = new ConcurrentHashMap<>();

    /** One key's signature check. */
    private interface KeyCheck {
        boolean verify(SignedJWT jwt) throws JOSEException, GeneralSecurityException;
    }

    public IdTokenValidator(Duration skew) {
        this.skew = skew;
    }

    /**
     * Header checks that need no key: done before anything is looked up or fetched. The same for both
     * subject token types that name a user ({@code id_token} and {@code jwt}).
     */
    public static void checkHeader(JWSHeader header) {
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw refuse("alg " + header.getAlgorithm() + " is not accepted; only asymmetric signatures are");
        }
        if (header.getJWKURL() != null || header.getX509CertURL() != null || header.getJWK() != null) {
            throw refuse("tokens naming their own keys (jku, x5u, jwk) are not accepted");
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw refuse("critical header parameters are not supported");
        }
        String typ = header.getType() == null ? null : header.getType().getType().toLowerCase(Locale.ROOT);
        if (typ != null && typ.endsWith("at+jwt")) {
            throw refuse("an access token was presented as an id_token");
        }
        if (typ != null && typ.endsWith("+jwt")) {
            // RFC 8725 §3.11: an explicit type names another kind of JWT (logout token, DPoP proof, …)
            throw refuse("typ " + header.getType().getType() + " marks another kind of token than an id_token");
        }
    }

    /**
     * Checks signature and claims; returns the subject the token speaks for.
     *
     * @param entries  the registry's entries for the token's issuer: the token must carry an audience of
     *                 one of them (with {@code azp} among that entry's audiences when there are several)
     *                 whose {@code clients} include {@code clientId}
     * @param clientId the client exchanging the token
     */
    public Subject validate(SignedJWT jwt, List<TrustedIssuerEntry> entries, String clientId, JWKSet keys, Instant now) {
        checkHeader(jwt.getHeader());
        if (!verify(jwt, keys)) {
            throw refuse("the signature does not verify with the issuer's keys");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (java.text.ParseException e) {
            throw refuse("the claims are not a JSON object");
        }
        String issuer = claims.getIssuer();
        if (entries.isEmpty() || !entries.get(0).issuer().equals(issuer)) {
            throw refuse("iss does not match the trusted issuer");
        }
        if (claims.getExpirationTime() == null) {
            throw refuse("exp is missing");
        }
        Instant exp = claims.getExpirationTime().toInstant();
        if (!now.isBefore(exp.plus(skew))) {
            throw refuse("the token has expired");
        }
        if (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().isAfter(now.plus(skew))) {
            throw refuse("the token is not valid yet (nbf)");
        }
        if (claims.getIssueTime() == null) {
            throw refuse("iat is missing");
        }
        if (claims.getIssueTime().toInstant().isAfter(now.plus(skew))) {
            throw refuse("iat is in the future");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isEmpty() || sub.length() > 255) {
            throw refuse("sub is missing or longer than 255 characters");
        }
        checkAudienceAndClient(claims, entries, clientId);
        Map<String, Object> identity = new LinkedHashMap<>();
        claims.getClaims().forEach((name, value) -> {
            if (!PROTOCOL_CLAIMS.contains(name) && value != null) {
                identity.put(name, value instanceof Date d ? d.getTime() / 1000 : value);
            }
        });
        return new Subject(sub, issuer, identity, Optional.empty(), exp, Optional.empty(), Optional.empty());
    }

    /**
     * Whose tokens a client may exchange: an entry accepts the token when one of its audiences is in
     * {@code aud} and, with several audiences, {@code azp} (if present) is one of its audiences too
     * (OIDC Core §3.1.3.7 steps 3–5); the token is accepted for {@code clientId} when an accepting entry
     * lists that client (or lists none). An upstream IdP's id_tokens are issued to the orchestrator,
     * so only the orchestrator's client may exchange them.
     */
    static void checkAudienceAndClient(JWTClaimsSet claims, List<TrustedIssuerEntry> entries, String clientId) {
        List<String> audience = claims.getAudience() == null ? List.of() : claims.getAudience();
        Object azp = claims.getClaim("azp");
        boolean audienceKnown = false;
        List<String> issuedTo = new ArrayList<>();
        for (TrustedIssuerEntry entry : entries) {
            if (audience.stream().noneMatch(entry.audiences()::contains)) {
                continue;
            }
            audienceKnown = true;
            if (audience.size() > 1 && azp != null && !entry.audiences().contains(azp.toString())) {
                continue;
            }
            if (entry.allowsClient(clientId)) {
                return;
            }
            entry.audiences().stream().filter(audience::contains).filter(a -> !issuedTo.contains(a)).forEach(issuedTo::add);
        }
        if (!audienceKnown) {
            throw refuse("aud is not an audience accepted for this issuer");
        }
        if (issuedTo.isEmpty()) {
            throw refuse("azp is not an audience accepted for this issuer");
        }
        throw refuse("this client may not exchange id_tokens issued to " + String.join(", ", issuedTo));
    }

    /** Keys are tried only when they fit the header: kid, key type, curve, alg and use must agree. */
    private boolean verify(SignedJWT jwt, JWKSet keys) {
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm alg = header.getAlgorithm();
        if (JWSAlgorithm.Family.EC.contains(alg) && zeroEcdsaHalf(jwt.getSignature().decode())) {
            return false;
        }
        for (JWK key : candidates(keys, header)) {
            try {
                if (keyCheck(key, header).verify(jwt)) {
                    return true;
                }
            } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
                // a key that cannot check this signature is not the key
            }
        }
        return false;
    }

    /**
     * {@link #candidates} has already matched key and header, so the check made for the first header
     * serves every later one: an EC verifier is bound to its curve, an RSA one checks any RS/PS algorithm
     * the header names, Ed25519 has one algorithm.
     */
    private static KeyCheck keyCheck(JWK key, JWSHeader header) throws JOSEException,
            GeneralSecurityException {
        KeyCheck known = KEY_CHECKS.get(key);
        if (known == null) {
            if (KEY_CHECKS.size() > 1000) {
                KEY_CHECKS.clear();
            }
            PublicKey publicKey = KeyAlgorithm.publicKey(key);
            if (key instanceof OctetKeyPair) {
                known = jwt -> {
                    Signature signature = Signature.getInstance("Ed25519");
                    signature.initVerify(publicKey);
                    signature.update(jwt.getSigningInput());
                    return signature.verify(jwt.getSignature().decode());
                };
            } else {
                JWSVerifier verifier = VERIFIERS.createJWSVerifier(header, publicKey);
                known = jwt -> jwt.verify(verifier);
            }
            KEY_CHECKS.put(key, known);
        }
        return known;
    }

    static List<JWK> candidates(JWKSet keys, JWSHeader header) {
        JWSAlgorithm alg = header.getAlgorithm();
        List<JWK> out = new ArrayList<>();
        for (JWK key : keys.getKeys()) {
            if (header.getKeyID() != null && !header.getKeyID().equals(key.getKeyID())) {
                continue;
            }
            if (!KeyType.forAlgorithm(alg).equals(key.getKeyType())) {
                continue;
            }
            if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())
                    && !(JWSAlgorithm.Family.ED.contains(alg) && JWSAlgorithm.Family.ED.contains(JWSAlgorithm.parse(key.getAlgorithm().getName())))) {
                continue;
            }
            if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
                continue;
            }
            if (key instanceof ECKey ec && !Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
                continue;
            }
            if (key instanceof OctetKeyPair okp && !Curve.Ed25519.equals(okp.getCurve())) {
                continue;
            }
            if (key.isPrivate()) {
                continue;
            }
            out.add(key);
        }
        return out;
    }

    /** An ECDSA signature with r = 0 or s = 0 is never valid (CVE-2022-21449 "psychic signatures"). */
    static boolean zeroEcdsaHalf(byte[] signature) {
        if (signature.length == 0 || signature.length % 2 != 0) {
            return true;
        }
        int half = signature.length / 2;
        return allZero(signature, 0, half) || allZero(signature, half, signature.length);
    }

    private static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    static OAuthException refuse(String why) {
        return OAuthException.invalidRequest(why);
    }
}
