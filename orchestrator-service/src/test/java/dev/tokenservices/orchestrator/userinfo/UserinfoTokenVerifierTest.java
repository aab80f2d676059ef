package dev.tokenservices.orchestrator.userinfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.orchestrator.token.UserinfoTokenMinter;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.jose.JwsSigner;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.jose.SigningKey;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.security.KeyPair;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

/**
 * The /userinfo bearer token is verified as a JWT before it is looked up: only a token signed with
 * this orchestrator's keys, issued by it, for it and not expired is accepted (RFC 9068 §4).
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class UserinfoTokenVerifierTest {

    @Inject
    UserinfoTokenVerifier verifier;
    @Inject
    UserinfoTokenMinter minter;
    @Inject
    IdTokenKeys keys;
    @Inject
    OrchestratorConfig config;

    private final JwsSigner signer = new JwsSigner();

    private Map<String, Object> claims() {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", config.issuer());
        claims.put("sub", "u-verify");
        claims.put("aud", config.issuer());
        claims.put("exp", now + 300);
        claims.put("iat", now);
        claims.put("jti", signer.randomId());
        claims.put("scope", "openid");
        return claims;
    }

    private String signed(Map<String, Object> claims) {
        SigningKey key = keys.signingKey();
        return signer.sign(key, key.accessTokenHeader(), Json.write(claims));
    }

    @Test
    void theOrchestratorsOwnAccessTokenVerifies() {
        Identity identity = new Identity("idp", "https://idp.example", "u-verify", Map.of(), null, 0, 0, null, List.of());
        String token = minter.mint("web-app", identity, List.of("openid"), null).value();
        JsonWebToken jwt = verifier.verify(token).orElseThrow();
        assertEquals("u-verify", jwt.getSubject());
        assertEquals(Set.of(config.issuer()), jwt.getAudience());
        assertTrue(verifier.verify(signed(claims())).isPresent(), "the test's own token is well formed");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        Map<String, Object> claims = claims();
        claims.put("aud", "https://api.example/invoices");
        assertTrue(verifier.verify(signed(claims)).isEmpty());
    }

    @Test
    void aTokenOfAnotherIssuerIsRefused() {
        Map<String, Object> claims = claims();
        claims.put("iss", "https://elsewhere.example");
        assertTrue(verifier.verify(signed(claims)).isEmpty());
    }

    @Test
    void anExpiredTokenIsRefused() {
        Map<String, Object> claims = claims();
        long past = Instant.now().getEpochSecond() - 3600;
        claims.put("iat", past - 300);
        claims.put("exp", past);
        assertTrue(verifier.verify(signed(claims)).isEmpty());
    }

    @Test
    void aTokenSignedWithAnotherKeyUnderOurKidIsRefused() throws Exception {
        SigningKey ours = keys.signingKey();
        KeyPair pair = KeyAlgorithm.ES256.generate();
        SigningKey forged = SigningKey.of(ours.kid(), KeyAlgorithm.ES256, KeyAlgorithm.ES256.publicJwk(pair.getPublic()),
                pair.getPrivate(), Instant.now(), Instant.now());
        assertTrue(verifier.verify(signer.sign(forged, ours.accessTokenHeader(), Json.write(claims()))).isEmpty());
    }

    @Test
    void somethingThatIsNoSignedJwtIsRefused() {
        String[] parts = signed(claims()).split("\\.");
        assertTrue(verifier.verify("not-a-token").isEmpty());
        assertTrue(verifier.verify("eyJhbGciOiJub25lIn0." + parts[1] + ".").isEmpty(), "alg none");
        assertTrue(verifier.verify(parts[0] + "." + parts[1] + ".").isEmpty(), "no signature");
    }
}
