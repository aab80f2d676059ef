package dev.tokenservices.core.dpop;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import dev.tokenservices.core.jose.JwtVerifier;
import dev.tokenservices.core.jose.SignedJwts;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Checks a DPoP proof (RFC 9449 §4.3) for one request, for token endpoints and resource servers alike:
 * <ol>
 * <li>exactly one {@code DPoP} header, at most {@link DpopConfig#maxProofLength()} characters, a compact JWS;</li>
 * <li>header: {@code typ} {@value #TYPE}; an asymmetric {@code alg} of {@link #ALGORITHMS} ({@code none}
 * and HMAC never); a {@code jwk} that is a public key of that algorithm's type (no private member,
 * RSA of 2048 bits or more);</li>
 * <li>the signature verifies under that {@code jwk}, through the core's {@link JwtVerifier};</li>
 * <li>claims: {@code jti} (at most 256 characters), {@code htm} equal to the request's method, {@code htu}
 * equal to the endpoint's public URL once both are normalised ({@link HttpUris}: the query and fragment
 * of {@code htu} do not count), {@code iat} within {@link DpopConfig#maxAge()} back and
 * {@link DpopConfig#clockSkew()} ahead; with an access token (a resource request) {@code ath}, the
 * base64url SHA-256 of that token; with server nonces on ({@link DpopConfig#nonces()}), a nonce of
 * {@link DpopNonces} (else {@code use_dpop_nonce} with a fresh one in {@value #NONCE_HEADER});</li>
 * <li>its {@code jti} unused: recorded through {@link DpopReplays} (by a hash of the key's thumbprint
 * and the {@code jti}) until its {@code iat} leaves the window, so of concurrent requests with one
 * proof exactly one passes.</li>
 * </ol>
 * A header's key (its JCA form and thumbprint) is read once and kept, up to 10,000 headers: a client
 * signs every proof with the same key and header.
 * The endpoint's URL is the one its service publishes (built from the configured issuer), never one
 * derived from the request's Host header. Refusals are {@code invalid_dpop_proof} (400; a resource
 * server answers them with {@link DpopChallenge}) saying what is wrong; nothing of the proof is logged.
 */
public final class DpopVerifier {

    /** The request header carrying the proof (RFC 9449 §4.1). */
    public static final String HEADER = "DPoP";
    /** The response header carrying a server nonce (RFC 9449 §8.1). */
    public static final String NONCE_HEADER = "DPoP-Nonce";
    public static final String TYPE = "dpop+jwt";
    /**
     * The accepted {@code alg} values, for discovery's {@code dpop_signing_alg_values_supported} (RFC 9449
     * §5.1) and a resource server's {@code algs} challenge parameter (§7.1).
     */
    public static final List<String> ALGORITHMS = List.of("ES256", "ES384", "ES512", "PS256", "PS384", "PS512",
            "RS256", "RS384", "RS512", "EdDSA", "Ed25519");
    private static final int MAX_JTI_LENGTH = 256;
    private static final int MIN_RSA_BITS = 2048;
    /** RFC 7517 / 7518 members that only a private or symmetric key has. */
    private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");
    private static final Duration MAX_AGE_LIMIT = Duration.ofHours(1);
    private static final Duration CLOCK_SKEW_LIMIT = Duration.ofMinutes(5);
    /** Headers whose key is kept read; emptied when full, so that senders of ever new keys cost only themselves. */
    private static final int MAX_CACHED_KEYS = 10_000;

    /** A header's key, read once per distinct header: a client signs all its proofs with one key. */
    private record HeaderKey(JWK jwk, PublicKey key, String jkt) {
    }

    /** The proof's key and what the request says the claims must match. */
    private record Presented(PublicKey key, String method, String endpoint, String ath) implements SecurityContext {
    }

    /** A claims rule broken: its message is the client's description. */
    private static class Refused extends BadJWTException {
        Refused(String message) {
            super(message);
        }
    }

    /** The proof lacks a current server nonce. */
    private static final class NonceRequired extends Refused {
        NonceRequired(String message) {
            super(message);
        }
    }

    private final Clock clock;
    private final DpopReplays replays;
    private final Duration maxAge;
    private final Duration clockSkew;
    private final int maxLength;
    private final Optional<DpopNonces> nonces;
    private final JwtVerifier<Presented> verifier;
    private final ConcurrentMap<String, HeaderKey> keys = new ConcurrentHashMap<>();
    /** The normal form of each endpoint URL the service verifies proofs for (a handful, named by its code). */
    private final ConcurrentMap<String, String> endpoints = new ConcurrentHashMap<>();

    /**
     * @param settings where the service reads {@code config}, for messages (e.g. {@code ts.dpop})
     * @param nonceKey the key nonces are made with, derived from the master key for {@link DpopNonces#PURPOSE};
     *                 used only when {@link DpopConfig#nonces()} is on
     * @throws IllegalStateException naming the setting when a value is out of bounds
     */
    public DpopVerifier(String settings, DpopConfig config, Clock clock, DpopReplays replays, RecordSeal nonceKey) {
        bounded(settings + ".max-age", config.maxAge(), Duration.ofSeconds(1), MAX_AGE_LIMIT);
        bounded(settings + ".clock-skew", config.clockSkew(), Duration.ZERO, CLOCK_SKEW_LIMIT);
        bounded(settings + ".nonce-lifetime", config.nonceLifetime(), Duration.ofSeconds(10), Duration.ofHours(1));
        if (config.maxProofLength() < 512 || config.maxProofLength() > 16384) {
            throw new IllegalStateException(settings + ".max-proof-length must be from 512 to 16384 characters, got "
                    + config.maxProofLength());
        }
        this.clock = clock;
        this.replays = replays;
        this.maxAge = config.maxAge();
        this.clockSkew = config.clockSkew();
        this.maxLength = config.maxProofLength();
        this.nonces = config.nonces() ? Optional.of(new DpopNonces(nonceKey, config.nonceLifetime(), clock)) : Optional.empty();
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        ALGORITHMS.forEach(name -> algorithms.add(JWSAlgorithm.parse(name)));
        this.verifier = new JwtVerifier<>(Set.copyOf(algorithms), JwtVerifier.type(TYPE),
                (header, presented) -> List.of(presented.key()), this::checkClaims);
    }

    /** A proof sent to a token endpoint (RFC 9449 §5): no access token, so no {@code ath}. */
    public Uni<DpopProof> verify(List<String> headers, String method, String endpoint) {
        return Uni.createFrom().item(() -> check(headers, method, endpoint, null)).chain(this::firstUse);
    }

    /**
     * A proof sent with a DPoP-bound access token to a resource (RFC 9449 §7): {@code ath} must be the
     * token's hash and the proof's key the one the token is bound to.
     *
     * @param boundJkt the token's {@code cnf.jkt}
     */
    public Uni<DpopProof> verify(List<String> headers, String method, String endpoint, String accessToken, String boundJkt) {
        return Uni.createFrom().item(() -> {
            DpopProof proof = check(headers, method, endpoint, accessHash(accessToken));
            if (!Hashes.equal(proof.jkt(), boundJkt)) {
                throw OAuthException.invalidDpopProof("the DPoP proof is not signed with the key the access token is bound to");
            }
            return proof;
        }).chain(this::firstUse);
    }

    /** The nonce to hand out now ({@value #NONCE_HEADER}), when server nonces are on. */
    public Optional<String> currentNonce() {
        return nonces.map(DpopNonces::current);
    }

    /** {@code ath} (RFC 9449 §4.2): base64url of the SHA-256 of the access token's ASCII. */
    public static String accessHash(String accessToken) {
        return Hashes.base64url(Hashes.sha256(accessToken.getBytes(StandardCharsets.US_ASCII)));
    }

    private DpopProof check(List<String> headers, String method, String endpoint, String ath) {
        if (headers == null || headers.isEmpty()) {
            throw OAuthException.invalidDpopProof("a DPoP header is required");
        }
        if (headers.size() > 1) {
            throw OAuthException.invalidDpopProof("send exactly one DPoP header");
        }
        String proof = headers.get(0);
        if (proof == null || proof.length() > maxLength) {
            throw OAuthException.invalidDpopProof("the DPoP proof is longer than " + maxLength + " characters");
        }
        String[] parts = proof.split("\\.", -1);
        if (parts.length != 3) {
            throw OAuthException.invalidDpopProof("the DPoP proof must be one JWS in compact serialization");
        }
        HeaderKey key = keys.get(parts[0]);
        if (key == null) {
            key = headerKey(parts[0]);
            if (keys.size() >= MAX_CACHED_KEYS) {
                keys.clear();
            }
            keys.put(parts[0], key);
        }
        SignedJWT jwt;
        try {
            jwt = SignedJwts.parse(proof);
        } catch (ParseException e) {
            throw OAuthException.invalidDpopProof("the DPoP proof is not a signed JWT");
        }
        String normalized = endpoints.computeIfAbsent(endpoint, url -> HttpUris.normalize(url)
                .orElseThrow(() -> new IllegalArgumentException("the endpoint URL is not an absolute http(s) URL: " + url)));
        JWTClaimsSet claims;
        try {
            claims = verifier.verify(jwt, new Presented(key.key(), method, normalized, ath));
        } catch (NonceRequired e) {
            throw new OAuthException(OAuthErrors.USE_DPOP_NONCE, e.getMessage(), 400)
                    .withHeader(NONCE_HEADER, nonces.orElseThrow().current());
        } catch (Refused e) {
            throw OAuthException.invalidDpopProof(e.getMessage());
        } catch (BadJOSEException e) {
            throw OAuthException.invalidDpopProof("the DPoP proof's signature does not verify under its jwk, or its claims are malformed");
        }
        return new DpopProof(key.jkt(), key.jwk(), claims.getIssueTime().toInstant(), claims.getJWTID());
    }

    /** The {@code jwk} of the header, once {@code typ} and {@code alg} are right: public, of the algorithm's type. */
    private static HeaderKey headerKey(String encodedHeader) {
        Map<String, Object> header;
        try {
            header = JSONObjectUtils.parse(new Base64URL(encodedHeader).decodeToString());
        } catch (ParseException | RuntimeException e) {
            throw OAuthException.invalidDpopProof("the DPoP proof's header is not a JSON object");
        }
        if (!(header.get("typ") instanceof String typ) || !TYPE.equalsIgnoreCase(typ)) {
            throw OAuthException.invalidDpopProof("the DPoP proof's typ must be " + TYPE);
        }
        if (!(header.get("alg") instanceof String alg) || !ALGORITHMS.contains(alg)) {
            throw OAuthException.invalidDpopProof("the DPoP proof's alg must be one of " + String.join(" ", ALGORITHMS));
        }
        if (!(header.get("jwk") instanceof Map<?, ?> members)) {
            throw OAuthException.invalidDpopProof("the DPoP proof's header must carry its public key as jwk");
        }
        for (String member : PRIVATE_MEMBERS) {
            if (members.containsKey(member)) {
                throw OAuthException.invalidDpopProof("the DPoP proof's jwk must be a public key; it has the private member " + member);
            }
        }
        JWK jwk;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) members;
            jwk = JWK.parse(json);
        } catch (ParseException | RuntimeException e) {
            throw OAuthException.invalidDpopProof("the DPoP proof's jwk is not a valid JWK");
        }
        JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
        if (!fits(jwk, algorithm)) {
            throw OAuthException.invalidDpopProof("the DPoP proof's jwk is not a public key for alg " + alg);
        }
        try {
            return new HeaderKey(jwk, KeyAlgorithm.publicKey(jwk), JwkThumbprints.of(jwk));
        } catch (GeneralSecurityException e) {
            throw OAuthException.invalidDpopProof("the DPoP proof's jwk is not a usable public key");
        }
    }

    /** A public key of the algorithm's type (and curve); an RSA key long enough. */
    private static boolean fits(JWK jwk, JWSAlgorithm algorithm) {
        if (jwk.isPrivate() || !KeyType.forAlgorithm(algorithm).equals(jwk.getKeyType())) {
            return false;
        }
        if (jwk instanceof ECKey ec) {
            Set<Curve> curves = Curve.forJWSAlgorithm(algorithm);
            return curves != null && curves.contains(ec.getCurve());
        }
        if (jwk instanceof OctetKeyPair okp) {
            return Curve.Ed25519.equals(okp.getCurve());
        }
        if (jwk instanceof RSAKey rsa && rsa.size() < MIN_RSA_BITS) {
            throw OAuthException.invalidDpopProof("the DPoP proof's RSA key must have at least " + MIN_RSA_BITS + " bits");
        }
        return jwk instanceof RSAKey;
    }

    /** RFC 9449 §4.3 steps 8 to 12, once the signature has verified. */
    private void checkClaims(JWTClaimsSet claims, Presented presented) throws Refused {
        String jti = claims.getJWTID();
        if (jti == null || jti.isEmpty() || jti.length() > MAX_JTI_LENGTH) {
            throw new Refused("the DPoP proof must have a jti of 1 to " + MAX_JTI_LENGTH + " characters");
        }
        if (!presented.method().equals(string(claims, "htm"))) {
            throw new Refused("the DPoP proof's htm must be " + presented.method());
        }
        String htu = string(claims, "htu");
        if (htu == null || !HttpUris.normalize(htu).map(presented.endpoint()::equals).orElse(false)) {
            throw new Refused("the DPoP proof's htu must be " + presented.endpoint());
        }
        Instant now = clock.instant();
        if (claims.getIssueTime() == null) {
            throw new Refused("the DPoP proof must have an iat");
        }
        Instant iat = claims.getIssueTime().toInstant();
        if (iat.isBefore(now.minus(maxAge))) {
            throw new Refused("the DPoP proof is too old: its iat must be within " + maxAge.toSeconds() + " s");
        }
        if (iat.isAfter(now.plus(clockSkew))) {
            throw new Refused("the DPoP proof's iat is in the future");
        }
        if (presented.ath() != null && !Hashes.equal(presented.ath(), string(claims, "ath"))) {
            throw new Refused("the DPoP proof's ath must be the base64url SHA-256 of the access token");
        }
        if (nonces.isPresent() && !nonces.get().accepts(string(claims, "nonce"))) {
            throw new NonceRequired("the DPoP proof must carry the server's current nonce, sent in the " + NONCE_HEADER + " header");
        }
    }

    private Uni<DpopProof> firstUse(DpopProof proof) {
        Duration ttl = Duration.between(clock.instant(), proof.issuedAt().plus(maxAge)).plus(clockSkew);
        return replays.firstUse(Hashes.sha256Hex(proof.jkt() + "\n" + proof.jti()), ttl.isNegative() ? Duration.ofSeconds(1) : ttl)
                .map(first -> {
                    if (!first) {
                        throw OAuthException.invalidDpopProof("the DPoP proof has already been used (jti replay)");
                    }
                    return proof;
                });
    }

    private static String string(JWTClaimsSet claims, String name) throws Refused {
        try {
            return claims.getStringClaim(name);
        } catch (ParseException e) {
            throw new Refused("the DPoP proof's " + name + " must be a string");
        }
    }

    private static void bounded(String name, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalStateException(name + " must be from " + min + " to " + max + ", got " + value);
        }
    }
}
