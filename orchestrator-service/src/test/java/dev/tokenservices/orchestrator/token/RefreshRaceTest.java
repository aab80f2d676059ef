package dev.tokenservices.orchestrator.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Refresh tokens under concurrency (RFC 9700 §4.14.2): a stolen refresh token used while the client
 * uses it too. Of truly concurrent presentations exactly one wins the token and rotates, and the
 * others are reuses: at most one answer is a token, and a reuse ends the family, including
 * a rotation that was still waiting on the token service (its scope authorities) when the reuse came.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class RefreshRaceTest {

    @AfterEach
    void release() {
        TestWorld.tokenService.releaseRefreshes();
    }

    private static Response refresh(String token) {
        return given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", token).post("/token");
    }

    private static JsonPath loggedIn(String sub) {
        Logins.Login login = Logins.login(sub);
        return Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aReuseWhileARotationWaitsOnTheTokenServiceEndsThatRotationToo() throws Exception {
        JsonPath tokens = loggedIn("refresh-race-1");
        String stolen = tokens.getString("refresh_token");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            TestWorld.tokenService.holdRefreshes();
            // A: the client's rotation, held at the token service as a slow authority would hold it
            Future<Response> rotation = pool.submit(() -> refresh(stolen));
            assertTrue(TestWorld.tokenService.awaitHeldRefresh(20), "the rotation did not reach the token service");
            // B: the same token again, while A is in flight: a reuse, which ends the family
            refresh(stolen).then().statusCode(400).body("error", equalTo("invalid_grant"));
            TestWorld.tokenService.releaseRefreshes();
            Response a = rotation.get(30, TimeUnit.SECONDS);
            if (a.statusCode() == 200) {
                // had A answered with a token, that token must be dead at once
                refresh(a.jsonPath().getString("refresh_token")).then().statusCode(400).body("error", equalTo("invalid_grant"));
            } else {
                assertEquals(400, a.statusCode());
                assertEquals("invalid_grant", a.jsonPath().getString("error"));
            }
            // nothing the token service handed out for this login is still usable there
            List<String> first = TestWorld.tokenService.refreshTokensFor(tokens.getString("upstream_id_token"));
            assertEquals(2, first.size());
            List<String> all = TestWorld.tokenService.refreshTokensSince(first);
            assertEquals(4, all.size(), "A's refresh rotated both resources' refresh tokens at the token service");
            for (String token : all) {
                assertTrue(!TestWorld.tokenService.usable(token), "a token-service refresh token survived the reuse");
            }
        } finally {
            TestWorld.tokenService.releaseRefreshes();
            pool.shutdownNow();
        }
    }

    @Test
    void ofConcurrentPresentationsOfOneRefreshTokenAtMostOneSucceedsAndTheFamilyEnds() throws Exception {
        int racers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            for (int round = 0; round < 5; round++) {
                JsonPath login = loggedIn("refresh-race-2-" + round);
                String token = login.getString("refresh_token");
                CyclicBarrier start = new CyclicBarrier(racers);
                List<Future<Response>> answers = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    answers.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return refresh(token);
                    }));
                }
                List<String> issued = new ArrayList<>();
                for (Future<Response> answer : answers) {
                    Response r = answer.get(60, TimeUnit.SECONDS);
                    if (r.statusCode() == 200) {
                        issued.add(r.jsonPath().getString("refresh_token"));
                    } else {
                        assertEquals(400, r.statusCode());
                        assertEquals("invalid_grant", r.jsonPath().getString("error"));
                    }
                }
                assertTrue(issued.size() <= 1, "round " + round + ": " + issued.size() + " presentations succeeded");
                // exactly one presentation won the token and rotated: the token service was asked to refresh
                // each of the login's refresh tokens once, never twice, never not at all
                List<String> first = TestWorld.tokenService.refreshTokensFor(login.getString("upstream_id_token"));
                assertEquals(2, first.size());
                for (String tsToken : first) {
                    long asked = TestWorld.tokenService.requests.stream()
                            .filter(r -> "refresh_token".equals(r.get("grant_type")) && tsToken.equals(r.get("refresh_token"))).count();
                    assertEquals(1, asked, "round " + round + ": the token service was asked " + asked + " times for one of its tokens");
                }
                // the others were reuses: whatever the winner got is dead too
                for (String next : issued) {
                    refresh(next).then().statusCode(400).body("error", equalTo("invalid_grant"));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
