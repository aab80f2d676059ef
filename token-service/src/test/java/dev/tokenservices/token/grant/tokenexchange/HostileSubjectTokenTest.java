package dev.tokenservices.token.grant.tokenexchange;

import static dev.tokenservices.token.grant.tokenexchange.TokenExchangeGrantTest.exchange;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every hostile id_token is 400 invalid_request (RFC 8693 §2.2.2), yields no token, and makes us
 * fetch nothing from the attacker (OIDC Core §3.1.3.7, RFC 8725).
 */
@QuarkusTest
class HostileSubjectTokenTest {

    private static void refused(String token, String why) {
        int attackerHits = TestWorld.attackerHits.get();
        exchange(token, "acc.read").statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("subject_token is not acceptable: " + why))
                .body("access_token", nullValue());
        assertEquals(attackerHits, TestWorld.attackerHits.get(), "nothing was fetched from the attacker");
    }

    private static JWTClaimsSet.Builder good() {
        return issuer.claims("ann-001");
    }

    private static ECKey attackerKey() throws Exception {
        return new ECKeyGenerator(Curve.P_256).keyID("issuer-key-1").generate();
    }

    @Test
    void unsigned() {
        refused(new PlainJWT(good().build()).serialize(), "it is not a signed JWT");
    }

    @Test
    void hmacWithThePublicKeyAsSecret() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("issuer-key-1").build(), good().build());
        jwt.sign(new MACSigner(issuer.key().toPublicJWK().toJSONString().getBytes()));
        refused(jwt.serialize(), "alg HS256 is not accepted; only asymmetric signatures are");
    }

    @Test
    void anotherKeyUnderTheIssuersKid() throws Exception {
        refused(issuer.sign(good().build(), h -> { }, attackerKey()), "the signature does not verify with the issuer's keys");
    }

    @Test
    void algorithmAndKeyTypeMismatch() throws Exception {
        // an RS256 header naming the issuer's EC key
        String[] parts = issuer.idToken("ann-001").split("\\.");
        String header = Base64URL.encode("{\"alg\":\"RS256\",\"kid\":\"issuer-key-1\"}").toString();
        refused(header + "." + parts[1] + "." + parts[2], "the signature does not verify with the issuer's keys");
    }

    @Test
    void psychicSignatureWithRAndSZero() {
        String[] parts = issuer.idToken("ann-001").split("\\.");
        refused(parts[0] + "." + parts[1] + "." + Base64URL.encode(new byte[64]), "the signature does not verify with the issuer's keys");
    }

    @Test
    void expired() {
        long past = System.currentTimeMillis() - 3600_000;
        refused(issuer.sign(good().issueTime(new Date(past)).expirationTime(new Date(past + 60_000)).build(), h -> { }),
                "the token has expired");
    }

    @Test
    void notYetValid() {
        refused(issuer.sign(good().notBeforeTime(new Date(System.currentTimeMillis() + 600_000)).build(), h -> { }),
                "the token is not valid yet (nbf)");
    }

    @Test
    void issuedInTheFuture() {
        refused(issuer.sign(good().issueTime(new Date(System.currentTimeMillis() + 600_000)).build(), h -> { }),
                "iat is in the future");
    }

    @Test
    void withoutIat() {
        refused(issuer.sign(good().issueTime(null).build(), h -> { }), "iat is missing");
    }

    @Test
    void withoutSub() {
        refused(issuer.sign(good().subject(null).build(), h -> { }), "sub is missing or longer than 255 characters");
    }

    @Test
    void wrongAudience() {
        refused(issuer.sign(good().audience("someone-else").build(), h -> { }), "aud is not an audience accepted for this issuer");
    }

    @Test
    void foreignAzpAmongSeveralAudiences() {
        refused(issuer.sign(good().audience(List.of("ts-test-app", "other")).claim("azp", "other").build(), h -> { }),
                "azp is not an audience accepted for this issuer");
    }

    @Test
    void untrustedIssuerIsNeverContacted() throws Exception {
        refused(issuer.sign(good().issuer(TestWorld.attackerUrl()).build(), h -> { }, attackerKey()), "its issuer is not trusted");
    }

    @Test
    void jkuIsNeverFollowed() throws Exception {
        refused(issuer.sign(good().build(), h -> h.jwkURL(URI.create(TestWorld.attackerUrl() + "/jwks")), attackerKey()),
                "tokens naming their own keys (jku, x5u, jwk) are not accepted");
    }

    @Test
    void x5uIsNeverFollowed() throws Exception {
        refused(issuer.sign(good().build(), h -> h.x509CertURL(URI.create(TestWorld.attackerUrl() + "/cert")), attackerKey()),
                "tokens naming their own keys (jku, x5u, jwk) are not accepted");
    }

    @Test
    void anEmbeddedJwkIsNeverTrusted() throws Exception {
        ECKey attacker = attackerKey();
        refused(issuer.sign(good().build(), h -> h.jwk(attacker.toPublicJWK()), attacker),
                "tokens naming their own keys (jku, x5u, jwk) are not accepted");
    }

    @Test
    void anAccessTokenPresentedAsIdToken() {
        refused(issuer.sign(good().build(), h -> h.type(new com.nimbusds.jose.JOSEObjectType("at+jwt"))),
                "an access token was presented as an id_token");
    }

    @Test
    void encryptedTokensAreRefusedFast() {
        refused("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", "encrypted (JWE) tokens are not accepted");
    }

    @Test
    void garbage() {
        refused("not-a-token", "it is not a signed JWT");
    }

    @Test
    void anOversizedTokenIsRefusedFast() {
        exchange("a".repeat(17 * 1024), "acc.read").statusCode(400).time(lessThan(2000L))
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("subject_token is longer than 16384 characters"));
    }

    @Test
    void aFloodOfUnknownKidsFetchesTheJwksAtMostOnce() {
        exchange(issuer.idToken("ann-001"), "acc.read").statusCode(200); // keys cached
        int before = issuer.jwksFetches.get();
        for (int i = 0; i < 20; i++) {
            final int n = i;
            exchange(issuer.sign(good().build(), h -> h.keyID("unknown-" + n)), "acc.read").statusCode(400)
                    .body("error", equalTo("invalid_request"));
        }
        int fetches = issuer.jwksFetches.get() - before;
        assertTrue(fetches <= 1, "20 unknown kids caused " + fetches + " JWKS fetches");
    }
}
