package dev.tokenservices.core.client;

import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import dev.tokenservices.core.jose.JwtKeys;
import dev.tokenservices.core.jose.JwtVerifier;
import dev.tokenservices.core.jose.SignedJwts;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.AuthMethod;
import io.smallrye.mutiny.Uni;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * {@code private_key_jwt} (RFC 7523 §2.2, §3): the assertion names its client ({@code iss} = {@code
 * sub}), is signed with one of that client's registered keys (through the core's {@link JwtVerifier}),
 * is addressed to us, is short-lived, and is used once.
 */
public final class ClientAssertions {

    public static final String JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static final int MAX_ASSERTION_LENGTH = 8 * 1024;
    private static final Duration MAX_ASSERTION_LIFETIME = Duration.ofHours(1);

    /** Where assertion ids are remembered until they expire. */
    @FunctionalInterface
    public interface Replays {
        /** Records an assertion's jti; false when it was seen before (a replay). */
        Uni<Boolean> firstUse(String clientId, String jti, Duration ttl);
    }

    /** The client an assertion claims to come from: its keys are the only candidates. */
    private record Claimed(RegisteredClient client) implements SecurityContext {
    }

    /** A claims rule broken: its description is the client's. */
    private static final class Refused extends BadJWTException {
        Refused(String message) {
            super(message);
        }
    }

    private final Set<String> acceptedAudiences;
    private final Duration skew;
    private final Clock clock;
    private final Replays replays;
    private final JwtVerifier<Claimed> verifier;

    /** @param issuer the service's issuer; the assertion's audience is it or its token endpoint */
    public ClientAssertions(String issuer, Duration skew, Clock clock, Replays replays) {
        this.acceptedAudiences = Set.of(issuer, issuer + "/token");
        this.skew = skew;
        this.clock = clock;
        this.replays = replays;
        this.verifier = new JwtVerifier<>(JwtVerifier.ASYMMETRIC, JwtVerifier.anyType(), JwtKeys.from(c -> c.client().jwks()),
                this::checkClaims);
    }

    Uni<RegisteredClient> authenticate(FormRequest request, String assertionType, ClientAuthenticator.ClientLookup clients) {
        if (!JWT_BEARER_ASSERTION.equals(assertionType)) {
            throw OAuthException.invalidClient("client_assertion_type must be " + JWT_BEARER_ASSERTION);
        }
        String assertion = request.get("client_assertion");
        if (assertion == null || assertion.length() > MAX_ASSERTION_LENGTH) {
            throw OAuthException.invalidClient("client_assertion is missing or too long");
        }
        SignedJWT jwt;
        JWTClaimsSet unverified;
        try {
            jwt = SignedJwts.parse(assertion);
            unverified = jwt.getJWTClaimsSet();
        } catch (java.text.ParseException e) {
            throw OAuthException.invalidClient("client_assertion is not a signed JWT");
        }
        // which client's keys to try: read before the signature is checked, trusted only after
        String clientId = unverified.getIssuer();
        if (clientId == null || !clientId.equals(unverified.getSubject())) {
            throw OAuthException.invalidClient("client_assertion must have iss and sub both equal to the client_id");
        }
        String bodyClientId = request.get("client_id");
        if (bodyClientId != null && !bodyClientId.equals(clientId)) {
            throw OAuthException.invalidClient("client_id does not match the client_assertion");
        }
        return clients.find(clientId).chain(found -> {
            RegisteredClient client = found.orElse(null);
            if (client == null || client.entry().authMethod() != AuthMethod.PRIVATE_KEY_JWT || client.jwks() == null) {
                throw OAuthException.invalidClient(ClientAuthenticator.FAILED);
            }
            JWTClaimsSet claims = verified(jwt, client);
            Instant now = clock.instant();
            Instant exp = claims.getExpirationTime().toInstant();
            return replays.firstUse(clientId, claims.getJWTID(), Duration.between(now, exp).plus(skew))
                    .map(first -> {
                        if (!first) {
                            throw OAuthException.invalidClient("client_assertion has already been used (jti replay)");
                        }
                        return client;
                    });
        });
    }

    private JWTClaimsSet verified(SignedJWT jwt, RegisteredClient client) {
        try {
            return verifier.verify(jwt, new Claimed(client));
        } catch (Refused e) {
            throw OAuthException.invalidClient(e.getMessage());
        } catch (BadJOSEException e) {
            throw OAuthException.invalidClient(ClientAuthenticator.FAILED);
        }
    }

    /** RFC 7523 §3, once the signature has verified. */
    private void checkClaims(JWTClaimsSet claims, Claimed claimed) throws Refused {
        List<String> audience = claims.getAudience();
        if (audience == null || audience.stream().noneMatch(acceptedAudiences::contains)) {
            throw new Refused("client_assertion aud must be the token endpoint or the issuer");
        }
        Instant now = clock.instant();
        if (claims.getExpirationTime() == null || !claims.getExpirationTime().toInstant().plus(skew).isAfter(now)) {
            throw new Refused("client_assertion is expired or has no exp");
        }
        if (claims.getExpirationTime().toInstant().isAfter(now.plus(MAX_ASSERTION_LIFETIME).plus(skew))) {
            throw new Refused("client_assertion exp is more than an hour ahead");
        }
        if (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().isAfter(now.plus(skew))) {
            throw new Refused("client_assertion is not valid yet (nbf)");
        }
        if (claims.getIssueTime() != null && claims.getIssueTime().toInstant().isAfter(now.plus(skew))) {
            throw new Refused("client_assertion iat is in the future");
        }
        if (claims.getJWTID() == null || claims.getJWTID().isEmpty()) {
            throw new Refused("client_assertion must have a jti");
        }
    }
}
