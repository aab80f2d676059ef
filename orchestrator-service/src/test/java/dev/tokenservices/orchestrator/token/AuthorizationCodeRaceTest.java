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
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The attack: a stolen authorization code redeemed at the same moment as the client redeems it
 * (RFC 6749 §4.1.2, §10.5). However close together the redemptions come, exactly one succeeds and
 * everything it issued is revoked: its refresh token fails, its access token no longer answers
 * /userinfo, and the token service was asked to revoke its access and refresh tokens.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class AuthorizationCodeRaceTest {

    private static final int ROUNDS = 12;
    private static final int RACERS = 8;

    @Test
    void ofConcurrentRedemptionsOfOneCodeExactlyOneSucceedsAndWhatItIssuedIsRevoked() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                Logins.Login login = Logins.login("code-race-" + round);
                String code = login.code();
                CyclicBarrier start = new CyclicBarrier(RACERS);
                List<Future<Response>> racers = new ArrayList<>();
                for (int i = 0; i < RACERS; i++) {
                    racers.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return Logins.redeem(code, login.verifier());
                    }));
                }
                List<Response> answers = new ArrayList<>();
                for (Future<Response> racer : racers) {
                    answers.add(racer.get(60, TimeUnit.SECONDS));
                }
                List<Response> won = answers.stream().filter(r -> r.statusCode() == 200).toList();
                assertEquals(1, won.size(), "round " + round + ": exactly one redemption succeeds");
                for (Response lost : answers) {
                    if (lost.statusCode() != 200) {
                        assertEquals(400, lost.statusCode());
                        assertEquals("invalid_grant", lost.jsonPath().getString("error"));
                        assertEquals("the authorization code is invalid, expired or already used", lost.jsonPath().getString("error_description"));
                    }
                }
                JsonPath winner = won.get(0).jsonPath();
                // its refresh token fails
                given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                        .formParam("refresh_token", winner.getString("refresh_token")).post("/token")
                        .then().statusCode(400).body("error", equalTo("invalid_grant"));
                // its access token no longer answers /userinfo
                given().auth().oauth2(winner.getString("access_token")).get("/userinfo").then().statusCode(401);
                // its tokens at the token service were revoked there: each API's access token, and the refresh tokens
                Map<String, Map<String, Object>> apis = winner.getMap("access_tokens");
                assertEquals(2, apis.size());
                for (Map<String, Object> api : apis.values()) {
                    assertTrue(TestWorld.tokenService.revoked.contains((String) api.get("access_token")),
                            "round " + round + ": an API access token was not revoked at the token service");
                }
                List<String> refreshTokens = TestWorld.tokenService.refreshTokensFor(winner.getString("upstream_id_token"));
                assertEquals(2, refreshTokens.size());
                assertTrue(TestWorld.tokenService.revoked.containsAll(refreshTokens),
                        "round " + round + ": the token service's refresh tokens were not revoked");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
