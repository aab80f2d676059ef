package dev.tokenservices.token.subject;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import dev.tokenservices.core.jose.IdTokenHeaders;
import dev.tokenservices.core.jose.JwtKeys;
import dev.tokenservices.core.jose.JwtVerifier;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rules an external id_token must pass (OpenID Connect Core §3.1.3.7, RFC 8725), given the
 * issuer's keys: the header checked before anything is fetched, then Nimbus's JWT processor through
 * the core's {@link JwtVerifier} (keys matched to the header, signature, then these claims rules).
 * No I/O and no clock of its own. Every refusal is {@code invalid_request} (RFC 8693 §2.2.2) with a
 * description of what was wrong.
 */
public final class IdTokenValidator {

    /** Asymmetric algorithms only: no "none", no HMAC (which would turn a public key into a secret). */
    public static final Set<JWSAlgorithm> ALGORITHMS = JwtVerifier.ASYMMETRIC;
    /** Claims that describe the token, not the person; never forwarded to authorities. */
    private static final Set<String> PROTOCOL_CLAIMS = Set.of("iss", "sub", "aud", "exp", "iat", "nbf", "jti", "azp",
            "nonce", "at_hash", "c_hash", "s_hash", "auth_time", "sid", "typ", "cnf", "may_act", "act", "client_id", "scope");

    private final Duration skew;
    private final JwtVerifier<Check> verifier;

    /** What one validation is given besides the token. */
    private record Check(JWKSet keys, List<TrustedIssuerEntry> entries, String clientId, Instant now) implements SecurityContext {
    }

    /** A claims rule broken: its description is the client's. */
    private static final class Refused extends BadJWTException {
        Refused(String message) {
            super(message);
        }
    }

    public IdTokenValidator(Duration skew) {
        this.skew = skew;
        // typ was judged by checkHeader, before any key was fetched
        this.verifier = new JwtVerifier<>(ALGORITHMS, (type, check) -> { }, JwtKeys.from(Check::keys), this::checkClaims);
    }

    /**
     * Header checks that need no key: done before anything is looked up or fetched. The same for both
     * subject token types that name a user ({@code id_token} and {@code jwt}).
     */
    public static void checkHeader(JWSHeader header) {
        IdTokenHeaders.refusal(header).ifPresent(why -> {
            throw refuse(why);
        });
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
        JWTClaimsSet claims;
        try {
            claims = verifier.verify(jwt, new Check(keys, entries, clientId, now));
        } catch (Refused e) {
            throw refuse(e.getMessage());
        } catch (BadJWTException e) {
            throw refuse("the claims are not a JSON object");
        } catch (BadJOSEException e) {
            throw refuse("the signature does not verify with the issuer's keys");
        }
        Map<String, Object> identity = new LinkedHashMap<>();
        claims.getClaims().forEach((name, value) -> {
            if (!PROTOCOL_CLAIMS.contains(name) && value != null) {
                identity.put(name, value instanceof Date d ? d.getTime() / 1000 : value);
            }
        });
        return new Subject(claims.getSubject(), claims.getIssuer(), identity, Optional.empty(),
                claims.getExpirationTime().toInstant(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The claims rules, once the signature has verified. */
    private void checkClaims(JWTClaimsSet claims, Check check) throws Refused {
        // the issuer's quirks (aliases, tenants, hosted domains): the entries whose policy refuses the token do not judge it
        List<TrustedIssuerEntry> entries = new ArrayList<>();
        String refusal = "iss does not match the trusted issuer";
        for (TrustedIssuerEntry entry : check.entries()) {
            Optional<String> why = entry.policy().refusal(claims.getClaims());
            if (why.isEmpty()) {
                entries.add(entry);
            } else if (entries.isEmpty()) {
                refusal = why.get();
            }
        }
        if (entries.isEmpty()) {
            throw new Refused(refusal);
        }
        if (claims.getExpirationTime() == null) {
            throw new Refused("exp is missing");
        }
        Instant now = check.now();
        if (!now.isBefore(claims.getExpirationTime().toInstant().plus(skew))) {
            throw new Refused("the token has expired");
        }
        if (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().isAfter(now.plus(skew))) {
            throw new Refused("the token is not valid yet (nbf)");
        }
        if (claims.getIssueTime() == null) {
            throw new Refused("iat is missing");
        }
        if (claims.getIssueTime().toInstant().isAfter(now.plus(skew))) {
            throw new Refused("iat is in the future");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isEmpty() || sub.length() > 255) {
            throw new Refused("sub is missing or longer than 255 characters");
        }
        try {
            checkAudienceAndClient(claims, entries, check.clientId());
        } catch (OAuthException e) {
            throw new Refused(e.description());
        }
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

    static OAuthException refuse(String why) {
        return OAuthException.invalidRequest(why);
    }
}
