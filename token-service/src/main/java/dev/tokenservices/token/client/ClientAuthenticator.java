package dev.tokenservices.token.client;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.shared.oauth.BasicCredentials;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.AuthMethod;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.token.registry.RegisteredClient;
import dev.tokenservices.token.registry.RegistryCache;
import dev.tokenservices.token.revocation.JtiStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Client authentication at every endpoint that takes it (RFC 6749 §2.3): {@code client_secret_basic},
 * {@code client_secret_post}, {@code private_key_jwt} (RFC 7523 §2.2, §3) and {@code none} for
 * public clients. A client must use the method it is registered with.
 *
 * <p>An unknown client, a wrong secret and a method the client is not registered for give the same
 * answer, and secrets are compared as SHA-256 hashes in constant time, so nothing tells them apart.
 */
@ApplicationScoped
public class ClientAuthenticator {

    public static final String JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static final String FAILED = "client authentication failed";
    private static final int MAX_ASSERTION_LENGTH = 8 * 1024;
    private static final Duration MAX_ASSERTION_LIFETIME = Duration.ofHours(1);
    private static final Set<JWSAlgorithm> ASSERTION_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    /** Compared against when the client is unknown, so that path costs the same as a wrong secret. */
    private static final byte[] UNKNOWN_CLIENT_HASH = sha256("no client has this secret");

    private final RegistryCache registry;
    private final JtiStore jtis;
    private final Clock clock;
    private final Duration skew;
    private final Set<String> acceptedAudiences;
    private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();

    public ClientAuthenticator(RegistryCache registry, JtiStore jtis, Clock clock, TokenServiceConfig config) {
        this.registry = registry;
        this.jtis = jtis;
        this.clock = clock;
        this.skew = config.clockSkew();
        this.acceptedAudiences = Set.of(config.issuer(), config.issuer() + "/token");
    }

    public Uni<RegisteredClient> authenticate(FormRequest request) {
        String header = request.authorization();
        boolean basic = header != null && header.regionMatches(true, 0, "Basic ", 0, 6);
        String bodySecret = request.get("client_secret");
        String assertionType = request.get("client_assertion_type");
        int methods = (basic ? 1 : 0) + (bodySecret != null ? 1 : 0) + (assertionType != null || request.get("client_assertion") != null ? 1 : 0);
        if (methods > 1) {
            throw OAuthException.invalidRequest("the client used more than one authentication method (RFC 6749 §2.3)");
        }
        if (basic) {
            BasicCredentials credentials = BasicCredentials.parse(header.substring(6).trim());
            String bodyClientId = request.get("client_id");
            if (bodyClientId != null && !bodyClientId.equals(credentials.clientId())) {
                throw OAuthException.invalidRequest("client_id does not match the client in the Authorization header");
            }
            return Uni.createFrom().item(secret(credentials.clientId(), credentials.secret(), AuthMethod.CLIENT_SECRET_BASIC));
        }
        if (bodySecret != null) {
            String clientId = request.get("client_id");
            if (clientId == null) {
                throw OAuthException.invalidClient(FAILED);
            }
            return Uni.createFrom().item(secret(clientId, bodySecret, AuthMethod.CLIENT_SECRET_POST));
        }
        if (methods == 1) {
            return assertion(request, assertionType);
        }
        String clientId = request.get("client_id");
        if (clientId == null) {
            throw OAuthException.invalidClient("client authentication is required");
        }
        RegisteredClient client = registry.client(clientId).orElse(null);
        if (client == null || client.entry().authMethod() != AuthMethod.NONE) {
            throw OAuthException.invalidClient(FAILED);
        }
        return Uni.createFrom().item(client);
    }

    private RegisteredClient secret(String clientId, String secret, AuthMethod method) {
        RegisteredClient client = registry.client(clientId).orElse(null);
        byte[] expected = client != null && client.secretHash() != null ? client.secretHash() : UNKNOWN_CLIENT_HASH;
        boolean matches = MessageDigest.isEqual(sha256(secret), expected);
        if (!matches || client == null || client.entry().authMethod() != method) {
            throw OAuthException.invalidClient(FAILED);
        }
        return client;
    }

    /** RFC 7523 §3: the assertion's claims, signature, audience, lifetime and single use. */
    private Uni<RegisteredClient> assertion(FormRequest request, String assertionType) {
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
        RegisteredClient client = registry.client(clientId).orElse(null);
        if (client == null || client.entry().authMethod() != AuthMethod.PRIVATE_KEY_JWT || client.jwks() == null
                || !verifySignature(jwt, client)) {
            throw OAuthException.invalidClient(FAILED);
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
        return jtis.firstUse(clientId, jti, Duration.between(now, exp).plus(skew))
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

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
