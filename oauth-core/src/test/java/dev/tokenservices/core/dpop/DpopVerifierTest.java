package dev.tokenservices.core.dpop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.testsupport.DpopProofs;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.runtime.datasource.ReactiveRedisDataSourceImpl;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisAPI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * RFC 9449 §4.3 against proofs signed by Nimbus ({@link DpopProofs}), with proof ids recorded in a
 * real Redis: every check, and the hostile matrix a stolen or forged proof meets.
 */
class DpopVerifierTest {

    private static final String TOKEN_URL = "http://localhost:8081/token";
    private static final String PREFIX = "test:dpop-jti:";
    private static final RecordSeal NONCE_KEY = new RecordSeal(Hashes.sha256("test nonce key"));

    private static Vertx vertx;
    private static Redis client;
    private static ReactiveRedisDataSource redis;
    private static DpopReplays replays;

    record Config(Duration maxAge, Duration clockSkew, boolean nonces, Duration nonceLifetime, int maxProofLength) implements DpopConfig {
    }

    private static final Config DEFAULTS = new Config(Duration.ofSeconds(60), Duration.ofSeconds(5), false, Duration.ofMinutes(5), 8192);

    /** A clock the nonce tests move. */
    private static final class MovableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        void advance(Duration by) {
            now.updateAndGet(i -> i.plus(by));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @BeforeAll
    static void redis() {
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379"));
        redis = new ReactiveRedisDataSourceImpl(vertx, client, RedisAPI.api(client));
        replays = new RedisDpopReplays(redis, PREFIX, new DependencyGuard("Redis", Duration.ofSeconds(3), "Redis is away"));
    }

    @AfterAll
    static void close() {
        client.close();
        vertx.closeAndAwait();
    }

    private final DpopVerifier verifier = new DpopVerifier("test.dpop", DEFAULTS, Clock.systemUTC(), replays, NONCE_KEY);
    private final ECKey key = DpopProofs.ecKey();

    private DpopProofs.Builder proof() {
        return DpopProofs.proof(key, "POST", TOKEN_URL);
    }

    private DpopProof verify(DpopVerifier with, String... headers) {
        return with.verify(List.of(headers), "POST", TOKEN_URL).await().atMost(Duration.ofSeconds(5));
    }

    private DpopProof verify(String... headers) {
        return verify(verifier, headers);
    }

    private static OAuthException refused(Executable call, String error, String descriptionPart) {
        OAuthException e = assertThrows(OAuthException.class, call);
        assertEquals(error, e.error());
        assertEquals(400, e.status());
        assertTrue(e.description().contains(descriptionPart), e.description());
        return e;
    }

    private void invalid(String proof, String descriptionPart) {
        refused(() -> verify(proof), "invalid_dpop_proof", descriptionPart);
    }

    // ---- valid proofs

    @Test
    void verifyWhenAValidEs256ProofThenItsKeysThumbprint() {
        DpopProof accepted = verify(proof().sign());
        assertEquals(DpopProofs.thumbprint(key), accepted.jkt(), "RFC 7638, computed independently");
        assertEquals(key.toPublicJWK(), accepted.key());
    }

    @Test
    void verifyWhenRsaOrEd25519ProofsThenAccepted() {
        JWK rsa = DpopProofs.rsaKey(2048);
        assertEquals(DpopProofs.thumbprint(rsa), verify(DpopProofs.proof(rsa, "POST", TOKEN_URL).alg("PS256").sign()).jkt());
        assertEquals(DpopProofs.thumbprint(rsa), verify(DpopProofs.proof(rsa, "POST", TOKEN_URL).alg("RS256").sign()).jkt());
        JWK ed = DpopProofs.ed25519Key();
        assertEquals(DpopProofs.thumbprint(ed), verify(DpopProofs.proof(ed, "POST", TOKEN_URL).alg("EdDSA").sign()).jkt());
        assertEquals(DpopProofs.thumbprint(ed), verify(DpopProofs.proof(ed, "POST", TOKEN_URL).alg("Ed25519").sign()).jkt());
    }

    @Test
    void verifyWhenHtuDiffersOnlyByCasePortQueryOrFragmentThenAccepted() {
        verify(proof().claim("htu", "HTTP://LocalHost:8081/token").sign());
        verify(proof().claim("htu", TOKEN_URL + "?client=x#part").sign());
        verify(proof().claim("htu", "http://localhost:8081/./token").sign());
        DpopVerifier atDefaultPort = new DpopVerifier("test.dpop", DEFAULTS, Clock.systemUTC(), replays, NONCE_KEY);
        atDefaultPort.verify(List.of(DpopProofs.proof(key, "POST", "https://as.example:443/token").sign()), "POST",
                "https://AS.example/token").await().atMost(Duration.ofSeconds(5));
    }

    @Test
    void verifyWhenIatIsSlightlyAheadThenAccepted() {
        verify(proof().iat(Instant.now().plusSeconds(3)).sign());
    }

    // ---- the request: method, URL, time

    @Test
    void verifyWhenHtmIsAnotherMethodThenInvalid() {
        invalid(proof().claim("htm", "GET").sign(), "htm must be POST");
        invalid(proof().claim("htm", "post").sign(), "htm must be POST");
    }

    @Test
    void verifyWhenHtuIsAnotherEndpointThenInvalid() {
        invalid(proof().claim("htu", "http://localhost:8081/introspect").sign(), "htu must be http://localhost:8081/token");
        invalid(proof().claim("htu", "http://localhost:8082/token").sign(), "htu");
        invalid(proof().claim("htu", "https://localhost:8081/token").sign(), "htu");
        invalid(proof().claim("htu", "http://evil.example/token").sign(), "htu");
        invalid(proof().claim("htu", "/token").sign(), "htu");
        invalid(proof().claim("htu", null).sign(), "htu");
        invalid(proof().claim("htu", 42).sign(), "htu must be a string");
    }

    @Test
    void verifyWhenIatIsTooOldOrInTheFutureOrMissingThenInvalid() {
        invalid(proof().iat(Instant.now().minusSeconds(61)).sign(), "too old");
        invalid(proof().iat(Instant.now().plusSeconds(30)).sign(), "in the future");
        invalid(proof().claim("iat", null).sign(), "must have an iat");
    }

    // ---- single use

    @Test
    void verifyWhenTheSameProofComesAgainThenReplay() {
        String once = proof().sign();
        verify(once);
        invalid(once, "already been used");
    }

    @Test
    void verifyWhenOneProofIsSentConcurrentlyThenExactlyOneIsAccepted() throws Exception {
        String proof = proof().sign();
        int n = 24;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    try {
                        verify(proof);
                        return true;
                    } catch (OAuthException e) {
                        assertEquals("invalid_dpop_proof", e.error());
                        return false;
                    }
                }));
            }
            start.countDown();
            int accepted = 0;
            for (Future<Boolean> result : results) {
                accepted += result.get() ? 1 : 0;
            }
            assertEquals(1, accepted);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void verifyWhenTwoKeysUseOneJtiThenBothAreAccepted() {
        verify(proof().jti("shared-jti-" + System.nanoTime()).sign());
        String jti = "shared-jti-" + System.nanoTime();
        verify(proof().jti(jti).sign());
        verify(DpopProofs.proof(DpopProofs.ecKey(), "POST", TOKEN_URL).jti(jti).sign());
    }

    @Test
    void verifyRecordsAHashOfTheProofIdWithAnExpiryCoveringTheWindow() {
        String jti = "visible-jti-" + System.nanoTime();
        DpopProof accepted = verify(proof().jti(jti).sign());
        String record = PREFIX + Hashes.sha256Hex(accepted.jkt() + "\n" + jti);
        long ttl = redis.key(String.class).pttl(record).await().atMost(Duration.ofSeconds(5));
        assertTrue(ttl > 55_000 && ttl <= 65_000, "expires with the window: " + ttl);
        List<String> keys = redis.key(String.class).keys(PREFIX + "*").await().atMost(Duration.ofSeconds(5));
        assertTrue(keys.stream().noneMatch(k -> k.contains(jti) || k.contains(accepted.jkt())), "nothing of the proof in clear");
    }

    @Test
    void verifyWhenJtiIsMissingOrTooLongThenInvalid() {
        invalid(proof().jti(null).sign(), "jti");
        invalid(proof().jti("x".repeat(257)).sign(), "jti");
    }

    // ---- the key and the signature

    @Test
    void verifyWhenSignedByAnotherKeyThanItsJwkThenInvalid() {
        invalid(proof().signedBy(DpopProofs.ecKey()).sign(), "signature does not verify");
    }

    @Test
    void verifyWhenThePayloadIsAlteredAfterSigningThenInvalid() {
        String[] parts = proof().sign().split("\\.");
        String other = proof().claim("htm", "POST").sign().split("\\.")[1];
        invalid(parts[0] + "." + other + "." + parts[2], "signature does not verify");
    }

    @Test
    void verifyWhenAlgIsNoneOrHmacOrNotTheKeysThenInvalid() {
        invalid(proof().alg("none").sign(), "alg must be one of");
        invalid(proof().alg("HS256").macSecret(new byte[32]).sign(), "alg must be one of");
        invalid(proof().header("alg", null).sign(), "alg must be one of");
        invalid(proof().alg("RS256").sign(), "not a public key for alg RS256");
        invalid(proof().alg("ES384").sign(), "not a public key for alg ES384");
    }

    @Test
    void verifyWhenTheJwkCarriesItsPrivatePartThenInvalid() {
        invalid(proof().header("jwk", key.toJSONObject()).sign(), "private member d");
        Map<String, Object> symmetric = Map.of("kty", "oct", "k", "c2VjcmV0");
        invalid(proof().header("jwk", symmetric).sign(), "private member k");
    }

    @Test
    void verifyWhenTheJwkIsMissingOrNotAKeyThenInvalid() {
        invalid(proof().header("jwk", null).sign(), "public key as jwk");
        invalid(proof().header("jwk", "a key").sign(), "public key as jwk");
        invalid(proof().header("jwk", Map.of("kty", "EC", "crv", "P-256")).sign(), "not a valid JWK");
    }

    @Test
    void verifyWhenTheRsaKeyIsShortThenInvalid() {
        JWK weak = DpopProofs.rsaKey(1024);
        invalid(DpopProofs.proof(weak, "POST", TOKEN_URL).alg("RS256").sign(), "at least 2048 bits");
    }

    @Test
    void verifyWhenTypIsNotDpopJwtThenInvalid() {
        invalid(proof().header("typ", "JWT").sign(), "typ must be dpop+jwt");
        invalid(proof().header("typ", null).sign(), "typ must be dpop+jwt");
    }

    // ---- the header itself

    @Test
    void verifyWhenTwoDpopHeadersThenInvalid() {
        invalid2(List.of(proof().sign(), proof().sign()), "exactly one DPoP header");
    }

    private void invalid2(List<String> headers, String part) {
        refused(() -> verifier.verify(headers, "POST", TOKEN_URL).await().atMost(Duration.ofSeconds(5)), "invalid_dpop_proof", part);
    }

    @Test
    void verifyWhenTheProofIsOversizedOrNotACompactJwsThenInvalid() {
        invalid(proof().claim("padding", "x".repeat(9000)).sign(), "longer than 8192");
        invalid("not-a-jws", "compact serialization");
        invalid(proof().sign() + ", " + proof().sign(), "compact serialization");
        invalid("e30.e30.", "typ must be dpop+jwt");
        invalid("%%%.e30.AA", "header is not a JSON object");
    }

    // ---- with an access token (resource requests)

    @Test
    void verifyWithAnAccessTokenWhenAthMatchesAndTheKeyIsTheTokensThenAccepted() {
        String accessToken = "eyJ.some.token";
        String jkt = DpopProofs.thumbprint(key);
        DpopProof accepted = verifier.verify(List.of(DpopProofs.proof(key, "GET", "https://orchestrator.example/userinfo")
                .accessToken(accessToken).sign()), "GET", "https://orchestrator.example/userinfo", accessToken, jkt)
                .await().atMost(Duration.ofSeconds(5));
        assertEquals(jkt, accepted.jkt());
    }

    @Test
    void verifyWithAnAccessTokenWhenAthIsMissingOrWrongOrTheKeyIsAnotherThenInvalid() {
        String accessToken = "eyJ.some.token";
        String url = "https://orchestrator.example/userinfo";
        String jkt = DpopProofs.thumbprint(key);
        Map<String, String> cases = Map.of(
                DpopProofs.proof(key, "GET", url).sign(), "ath",
                DpopProofs.proof(key, "GET", url).accessToken("another.token").sign(), "ath",
                DpopProofs.proof(DpopProofs.ecKey(), "GET", url).accessToken(accessToken).sign(), "key the access token is bound to");
        cases.forEach((proof, part) -> refused(() -> verifier.verify(List.of(proof), "GET", url, accessToken, jkt)
                .await().atMost(Duration.ofSeconds(5)), "invalid_dpop_proof", part));
    }

    // ---- server nonces (§8)

    @Test
    void verifyWithNoncesWhenTheProofHasNoneThenUseDpopNonceWithANonce() {
        DpopVerifier withNonces = new DpopVerifier("test.dpop", new Config(Duration.ofSeconds(60), Duration.ofSeconds(5), true, Duration.ofMinutes(5),
                8192), Clock.systemUTC(), replays, NONCE_KEY);
        OAuthException e = refused(() -> verify(withNonces, proof().sign()), "use_dpop_nonce", "DPoP-Nonce");
        String nonce = e.headers().get("DPoP-Nonce");
        assertEquals(withNonces.currentNonce().orElseThrow(), nonce);
        assertTrue(nonce.matches("[\\x21\\x23-\\x5B\\x5D-\\x7E]+"), "RFC 9449 §8.1 NQCHAR: " + nonce);
        verify(withNonces, proof().nonce(nonce).sign());
    }

    @Test
    void verifyWithNoncesWhenTheNonceIsOfThePreviousSlotThenAcceptedButNotOlder() {
        MovableClock clock = new MovableClock();
        DpopVerifier withNonces = new DpopVerifier("test.dpop", new Config(Duration.ofHours(1), Duration.ofSeconds(5), true, Duration.ofMinutes(1),
                8192), clock, replays, NONCE_KEY);
        String nonce = withNonces.currentNonce().orElseThrow();
        clock.advance(Duration.ofMinutes(1));
        assertNotEquals(nonce, withNonces.currentNonce().orElseThrow(), "nonces rotate");
        verify(withNonces, proof().iat(clock.instant()).nonce(nonce).sign());
        clock.advance(Duration.ofMinutes(1));
        refused(() -> verify(withNonces, proof().iat(clock.instant()).nonce(nonce).sign()), "use_dpop_nonce", "nonce");
    }

    @Test
    void verifyWithNoncesWhenTheNonceIsForgedOrMadeWithAnotherKeyThenUseDpopNonce() {
        DpopVerifier withNonces = new DpopVerifier("test.dpop", new Config(Duration.ofSeconds(60), Duration.ofSeconds(5), true, Duration.ofMinutes(5),
                8192), Clock.systemUTC(), replays, NONCE_KEY);
        String nonce = withNonces.currentNonce().orElseThrow();
        String slot = nonce.substring(0, nonce.indexOf('.'));
        String otherKeys = new DpopNonces(new RecordSeal(Hashes.sha256("another key")), Duration.ofMinutes(5), Clock.systemUTC()).current();
        for (String forged : new String[] {slot + ".AAAA", otherKeys, "+" + nonce, nonce + "x", "x".repeat(500), slot}) {
            refused(() -> verify(withNonces, proof().nonce(forged).sign()), "use_dpop_nonce", "nonce");
        }
    }

    @Test
    void verifyWithoutNoncesWhenAProofCarriesOneThenItIsIgnored() {
        verify(proof().nonce("anything").sign());
        assertTrue(verifier.currentNonce().isEmpty());
    }

    // ---- configuration

    @Test
    void configurationOutOfBoundsStopsStartUpNamingTheSetting() {
        for (Config wrong : new Config[] {
                new Config(Duration.ofHours(2), Duration.ofSeconds(5), false, Duration.ofMinutes(5), 8192),
                new Config(Duration.ofSeconds(60), Duration.ofMinutes(10), false, Duration.ofMinutes(5), 8192),
                new Config(Duration.ofSeconds(60), Duration.ofSeconds(5), true, Duration.ofSeconds(1), 8192),
                new Config(Duration.ofSeconds(60), Duration.ofSeconds(5), false, Duration.ofMinutes(5), 100_000)}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new DpopVerifier("test.dpop", wrong, Clock.systemUTC(), replays,
                    NONCE_KEY));
            assertTrue(e.getMessage().startsWith("test.dpop."), e.getMessage());
        }
    }

    @Test
    void thumbprintsHaveTheFormOfBase64urlSha256() {
        assertTrue(JwkThumbprints.isWellFormed(DpopProofs.thumbprint(key)));
        assertTrue(JwkThumbprints.isWellFormed(JwkThumbprints.of(DpopProofs.ed25519Key())));
        for (String wrong : new String[] {null, "", "abc", DpopProofs.thumbprint(key) + "A", DpopProofs.thumbprint(key).substring(1) + "=",
                "+" + DpopProofs.thumbprint(key).substring(1), DpopProofs.thumbprint(key).substring(0, 42) + "B"}) {
            assertTrue(!JwkThumbprints.isWellFormed(wrong), String.valueOf(wrong));
        }
    }
}
