package dev.tokenservices.orchestrator.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import dev.tokenservices.orchestrator.support.FakeUpstream;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An upstream IdP's keys: kept, refreshed, refetched for a key they lack at most every 30 s. */
class UpstreamKeysTest {

    private static Vertx vertx;
    private static UpstreamHttp http;
    private FakeUpstream idp;
    private MovingClock clock;
    private UpstreamKeys keys;

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-07T10:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
        http = new UpstreamHttp(vertx);
    }

    @AfterAll
    static void stopVertx() {
        http.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void start() throws Exception {
        idp = new FakeUpstream();
        clock = new MovingClock();
        keys = new UpstreamKeys("test-idp", URI.create(idp.endpoints() + "/jwks"), 1_000, http, clock);
    }

    @AfterEach
    void stop() {
        idp.close();
    }

    private JWKSet keysFor(String kid) {
        return keys.keysFor(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(), true).await().atMost(Duration.ofSeconds(5));
    }

    private String currentKid() {
        return keysFor("any").getKeys().get(0).getKeyID();
    }

    @Test
    void keysAreFetchedOnceAndKeptForFiveMinutes() {
        String kid = currentKid();
        clock.advance(Duration.ofMinutes(4));
        assertNotNull(keysFor(kid).getKeyByKeyId(kid));
        assertEquals(1, idp.jwksFetches.get());
        clock.advance(Duration.ofMinutes(1));
        keysFor(kid);
        assertEquals(2, idp.jwksFetches.get());
    }

    @Test
    void aKeyTheyLackIsFetchedAtMostEveryThirtySeconds() throws Exception {
        String old = currentKid();
        idp.rotateKey();
        clock.advance(Duration.ofSeconds(10));
        assertNotNull(keysFor("rotated").getKeyByKeyId(old), "within 30 s of the last fetch, the keys held are used");
        assertEquals(1, idp.jwksFetches.get());
        clock.advance(Duration.ofSeconds(20));
        JWKSet refetched = keysFor("rotated");
        assertEquals(2, idp.jwksFetches.get());
        assertNull(refetched.getKeyByKeyId(old));
        assertEquals(1, refetched.getKeys().size());
    }

    @Test
    void theyAreRefreshedAheadWhileTheHeldOnesAreUsed() {
        String kid = currentKid();
        clock.advance(Duration.ofMinutes(4).plusSeconds(40));
        assertNotNull(keysFor(kid).getKeyByKeyId(kid));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (idp.jwksFetches.get() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(2, idp.jwksFetches.get());
        // the refreshed set counts from its own fetch
        clock.advance(Duration.ofMinutes(4));
        keysFor(kid);
        assertEquals(2, idp.jwksFetches.get());
    }

    @Test
    void keysThatCannotBeFetchedMakeTheIdpUnavailable() throws Exception {
        String down;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            down = "http://127.0.0.1:" + s.getLocalPort() + "/jwks";
        }
        UpstreamKeys unreachable = new UpstreamKeys("down-idp", URI.create(down), 1_000, http, clock);
        UpstreamException e = assertThrows(UpstreamException.class, () -> unreachable.keysFor(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k").build(), true).await().atMost(Duration.ofSeconds(5)));
        assertEquals(UpstreamException.Kind.UNAVAILABLE, e.kind());
        assertEquals("the keys of down-idp cannot be fetched", e.getMessage());
    }
}
