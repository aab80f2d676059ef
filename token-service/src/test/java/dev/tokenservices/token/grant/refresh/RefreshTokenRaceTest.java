package dev.tokenservices.token.grant.refresh;

import dev.tokenservices.shared.crypto.Hashes;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER_SECRET;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.TestWorld.authorities;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.grant.devicecode.PortalDecisions;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Refresh rotation attacked under concurrency (RFC 9700 §4.14.2), against real PostgreSQL and a
 * real scope authority that holds a rotation in flight for as long as the test wants.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class RefreshTokenRaceTest {

    static final String EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String UNUSABLE = "the refresh token is invalid, expired, revoked or already used";

    @Inject
    TokenServiceConfig config;

    @Inject
    Pool pool;

    @Inject
    RedisDataSource redis;

    /** A user's login at the exchanger: its first refresh token, whose family asks the authorities of {@code scope}. */
    private static String login(String sub, String scope) {
        return form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", EXCHANGE).formParam("subject_token", issuer.idToken(sub))
                .formParam("subject_token_type", ID_TOKEN).formParam("scope", scope)
                .post("/token").then().statusCode(200).extract().path("refresh_token");
    }

    private static ValidatableResponse refresh(String token) {
        return form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", "refresh_token").formParam("refresh_token", token)
                .post("/token").then();
    }

    private Row family(String token) {
        var rows = pool.preparedQuery("SELECT f.created_at, f.expires_at, f.revoked_at, t.expires_at AS token_expires_at"
                        + " FROM refresh_token t JOIN refresh_family f ON f.family_id = t.family_id WHERE t.token_hash = $1")
                .execute(Tuple.of(Hashes.sha256Hex(token))).await().atMost(Duration.ofSeconds(10));
        assertEquals(1, rows.size(), "the token and its family are in PostgreSQL");
        return rows.iterator().next();
    }

    private static void awaitCalls(String path, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (authorities.calls.get(path).get() < atLeast) {
            assertTrue(System.nanoTime() < deadline, "the authority was never asked");
            Thread.sleep(10);
        }
    }

    @Test
    void aReuseWhileARotationWaitsOnTheAuthoritiesKillsWhatThatRotationHandsOut() throws Exception {
        String stolen = login("race-ann", "gate.read");
        int asked = authorities.calls.get("gate").get();
        authorities.gate = new CountDownLatch(1);
        ExecutorService threads = Executors.newSingleThreadExecutor();
        try {
            // A: the legitimate client's rotation, held at the authority
            Future<ExtractableResponse<Response>> a = threads.submit(() -> refresh(stolen).extract());
            awaitCalls("gate", asked + 1);
            // B: the attacker presents the same token while A is in flight: a reuse
            refresh(stolen).statusCode(400).body("error", equalTo("invalid_grant")).body("error_description", equalTo(UNUSABLE));
            authorities.gate.countDown();
            ExtractableResponse<Response> late = a.get(20, TimeUnit.SECONDS);
            if (late.statusCode() == 200) {
                refresh(late.path("refresh_token")).statusCode(400).body("error", equalTo("invalid_grant"));
            } else {
                assertEquals(400, late.statusCode());
                assertEquals("invalid_grant", late.path("error"));
                assertEquals(UNUSABLE, late.path("error_description"));
                assertEquals("no-store", late.header("Cache-Control"));
            }
        } finally {
            authorities.gate.countDown();
            threads.shutdownNow();
        }
        assertNotNull(family(stolen).getOffsetDateTime("revoked_at"), "the reuse revoked the family");
        var alive = pool.preparedQuery("SELECT count(*) AS n FROM refresh_token t JOIN refresh_family f ON f.family_id = t.family_id"
                        + " WHERE f.family_id = (SELECT family_id FROM refresh_token WHERE token_hash = $1)"
                        + " AND t.used_at IS NULL AND f.revoked_at IS NULL")
                .execute(Tuple.of(Hashes.sha256Hex(stolen))).await().atMost(Duration.ofSeconds(10));
        assertEquals(0L, alive.iterator().next().getLong("n"), "no usable token is left in the family");
    }

    @Test
    void ofConcurrentPresentationsOfOneTokenAtMostOneSucceedsAndNothingItGetsSurvives() throws Exception {
        // slow1's authority takes 300 ms: the one rotation that wins the token is still deciding when the others hit
        String token = login("race-bob", "slow1.read");
        int n = 8;
        CyclicBarrier barrier = new CyclicBarrier(n);
        ExecutorService threads = Executors.newFixedThreadPool(n);
        List<CompletableFuture<ExtractableResponse<Response>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        barrier.await(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return refresh(token).extract();
                }, threads));
            }
            List<String> handedOut = new ArrayList<>();
            for (var answer : answers) {
                ExtractableResponse<Response> r = answer.get(30, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    handedOut.add(r.path("refresh_token"));
                } else {
                    assertEquals(400, r.statusCode(), r.asString());
                    assertEquals("invalid_grant", r.path("error"));
                }
            }
            assertTrue(handedOut.size() <= 1, handedOut.size() + " presentations of one token succeeded");
            // the others were reuses: the family is revoked, including whatever the one winner received
            for (String next : handedOut) {
                refresh(next).statusCode(400).body("error", equalTo("invalid_grant"));
            }
            assertNotNull(family(token).getOffsetDateTime("revoked_at"));
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aFamilyPastItsAbsoluteLifetimeIsInvalidGrant() {
        String token = login("old-carol", "acc.read");
        Row family = family(token);
        Duration max = Duration.between(family.getOffsetDateTime("created_at"), family.getOffsetDateTime("expires_at"));
        assertEquals(Duration.ofDays(90), max, "ts.refresh.max-lifetime defaults to 90 days");
        // the user logged in 91 days ago and the client kept refreshing
        pool.preparedQuery("UPDATE refresh_family SET created_at = created_at - interval '91 days',"
                        + " expires_at = expires_at - interval '91 days'"
                        + " WHERE family_id = (SELECT family_id FROM refresh_token WHERE token_hash = $1)")
                .execute(Tuple.of(Hashes.sha256Hex(token))).await().atMost(Duration.ofSeconds(10));
        refresh(token).statusCode(400).body("error", equalTo("invalid_grant")).body("error_description", equalTo(UNUSABLE));
    }

    @Test
    void aRotatedTokenNeverOutlivesItsFamily() {
        String token = login("dave", "acc.read");
        OffsetDateTime soon = OffsetDateTime.now().plusHours(1);
        pool.preparedQuery("UPDATE refresh_family SET expires_at = $2"
                        + " WHERE family_id = (SELECT family_id FROM refresh_token WHERE token_hash = $1)")
                .execute(Tuple.of(Hashes.sha256Hex(token), soon)).await().atMost(Duration.ofSeconds(10));
        String next = refresh(token).statusCode(200).extract().path("refresh_token");
        Row family = family(next);
        assertEquals(family.getOffsetDateTime("expires_at").toInstant(), family.getOffsetDateTime("token_expires_at").toInstant(),
                "the new token expires with its family, not 30 days later");
    }

    @Test
    void aDeviceLoginStartsAFamilyToo() {
        var response = form().formParam("client_id", "tv-app").formParam("scope", "media.play")
                .post("/device_authorization").then().statusCode(200).extract();
        String deviceCode = response.path("device_code");
        String record = DeviceCodes.recordKey(deviceCode).orElseThrow();
        assertTrue(new PortalDecisions(redis, config).decide(record, "approved", "erin-005", issuer.issuer(), "{}"));
        String token = form().formParam("client_id", "tv-app").formParam("grant_type", "urn:ietf:params:oauth:grant-type:device_code")
                .formParam("device_code", deviceCode).post("/token").then().statusCode(200).extract().path("refresh_token");
        Row family = family(token);
        assertEquals(Duration.ofDays(90),
                Duration.between(family.getOffsetDateTime("created_at"), family.getOffsetDateTime("expires_at")));
        form().formParam("client_id", "tv-app").formParam("token", token).post("/revoke").then().statusCode(200);
        assertNotNull(family(token).getOffsetDateTime("revoked_at"), "revocation revokes the family row");
    }

    @Test
    void noRefreshTokenIsStoredInClear() {
        List<String> tokens = new ArrayList<>();
        tokens.add(login("frank", "acc.read"));
        for (int i = 0; i < 2; i++) {
            tokens.add(refresh(tokens.get(tokens.size() - 1)).statusCode(200).extract().path("refresh_token"));
        }
        List<String> found = new ArrayList<>();
        int rows = 0;
        // every row of both tables as text, other tests' included
        for (String table : List.of("refresh_family", "refresh_token")) {
            for (Row row : pool.query("SELECT row_to_json(r)::text AS text FROM " + table + " r").execute()
                    .await().atMost(Duration.ofSeconds(10))) {
                rows++;
                for (String token : tokens) {
                    if (row.getString("text").contains(token)) {
                        found.add(table + " holds " + token.substring(0, 8) + "…");
                    }
                }
            }
        }
        assertTrue(rows >= 4, "the tokens above wrote rows: " + rows);
        assertTrue(found.isEmpty(), "refresh tokens in clear in PostgreSQL: " + found);
        for (String token : tokens) {
            family(token); // each is there, under its SHA-256
        }
    }
}
