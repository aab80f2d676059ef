package dev.tokenservices.core.client;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.AuthMethod;
import io.smallrye.mutiny.Uni;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code private_key_jwt} (RFC 7523 §2.2, §3): the assertion's claims, signature, audience,
 * lifetime and single use.
 */
public final class ClientAssertions {

    public static final String JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static final int MAX_ASSERTION_LENGTH = 8 * 1024;
    private static final Duration MAX_ASSERTION_LIFETIME = Duration.ofHours(1);
    private static final Set<JWSAlgorithm> ASSERTION_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    /** Where assertion ids are remembered until they expire. */
    @FunctionalInterface
    public interface Replays {
        /** Records an assertion's jti; false when it was seen before (a replay). */
        Uni<Boolean> firstUse(String clientId, String jti, Duration ttl);
    }

    private final Set<String> acceptedAudiences;
    private final Duration skew;
    private final Clock clock;
    private final Replays replays;
    private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();

    /** @param issuer the service's issuer; the assertion's audience is it or its token endpoint */
    public ClientAssertions(String issuer, Duration skew, Clock clock, Replays replays) {
        this.acceptedAudiences = Set.of(issuer, issuer + "/token");
        this.skew = skew;
        this.clock = clock;
        this.replays = replays;
    }

    Uni<RegisteredClient> authenticate(FormRequest request, String assertionType,
            Function<String, Optional<RegisteredClient>> clients) {
        if (!JWT_BEARER_ASSERTION.equals(assertionType)) {
            throw OAuthException.invalidClient("client_assertion_type must be " + JWT_BEARER_ASSERTION);
        }
        String assertion = request.get("client_assertion");
        if (assertion == null || assertion.length() > MAX_ASSERTION_LENGTH) {
            throw OAuthException.invalidClient("client_assertion is missing or too long");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(assertion);
            claims = jwt.getJWTClaimsSet();
        } catch (java.text.ParseException e) {
            throw OAuthException.invalidClient("client_assertion is not a signed JWT");
        }
        String clientId = claims.getIssuer();
        if (clientId == null || !clientId.equals(claims.getSubject())) {
            throw OAuthException.invalidClient("client_assertion must have iss and sub both equal to the client_id");
        }
        String bodyClientId = request.get("client_id");
        if (bodyClientId != null && !bodyClientId.equals(clientId)) {
            throw OAuthException.invalidClient("client_id does not match the client_assertion");
        }
        RegisteredClient client = clients.apply(clientId).orElse(null);
        if (client == null || client.entry().authMethod() != AuthMethod.PRIVATE_KEY_JWT || client.jwks() == null
                || !verifySignature(jwt, client)) {
            throw OAuthException.invalidClient(ClientAuthenticator.FAILED);
        }
        List<String> audience = claims.getAudience();
        if (audience == null || audience.stream().noneMatch(acceptedAudiences::contains)) {
            throw OAuthException.invalidClient("client_assertion aud must be the token endpoint or the issuer");
        }
        Instant now = clock.instant();
        if (claims.getExpirationTime() == null || !claims.getExpirationTime().toInstant().plus(skew).isAfter(now)) {
            throw OAuthException.invalidClient("client_assertion is expired or has no exp");
        }
        Instant exp = claims.getExpirationTime().toInstant();
        if (exp.isAfter(now.plus(MAX_ASSERTION_LIFETIME).plus(skew))) {
            throw OAuthException.invalidClient("client_assertion exp is more than an hour ahead");
        }
        if (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().isAfter(now.plus(skew))) {
            throw OAuthException.invalidClient("client_assertion is not valid yet (nbf)");
        }
        if (claims.getIssueTime() != null && claims.getIssueTime().toInstant().isAfter(now.plus(skew))) {
            throw OAuthException.invalidClient("client_assertion iat is in the future");
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isEmpty()) {
            throw OAuthException.invalidClient("client_assertion must have a jti");
        }
        return replays.firstUse(clientId, jti, Duration.between(now, exp).plus(skew))
                .map(first -> {
                    if (!first) {
                        throw OAuthException.invalidClient("client_assertion has already been used (jti replay)");
                    }
                    return client;
                });
    }

    private boolean verifySignature(SignedJWT jwt, RegisteredClient client) {
        JWSHeader header = jwt.getHeader();
        if (!ASSERTION_ALGORITHMS.contains(header.getAlgorithm())) {
            return false;
        }
        KeyType keyType = KeyType.forAlgorithm(header.getAlgorithm());
        JWKMatcher.Builder matcher = new JWKMatcher.Builder().keyType(keyType);
        if (header.getKeyID() != null) {
            matcher.keyID(header.getKeyID());
        }
        for (JWK key : new JWKSelector(matcher.build()).select(client.jwks())) {
            if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(header.getAlgorithm().getName())) {
                continue;
            }
            try {
                if (verify(jwt, key)) {
                    return true;
                }
            } catch (com.nimbusds.jose.JOSEException | java.security.GeneralSecurityException | RuntimeException e) {
                // a key that cannot verify this header is simply not the key
            }
        }
        return false;
    }

    /** Ed25519 through the JDK (the JOSE library needs an extra library for it), the rest through the JOSE library. */
    private boolean verify(SignedJWT jwt, JWK key) throws com.nimbusds.jose.JOSEException, java.security.GeneralSecurityException {
        PublicKey publicKey = KeyAlgorithm.publicKey(key);
        if (key instanceof com.nimbusds.jose.jwk.OctetKeyPair) {
            java.security.Signature signature = java.security.Signature.getInstance("Ed25519");
            signature.initVerify(publicKey);
            signature.update(jwt.getSigningInput());
            return signature.verify(jwt.getSignature().decode());
        }
        return jwt.verify(verifiers.createJWSVerifier(jwt.getHeader(), publicKey));
    }
}
