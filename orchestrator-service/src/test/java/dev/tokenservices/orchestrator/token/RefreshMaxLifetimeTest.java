package dev.tokenservices.orchestrator.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.shared.crypto.Hashes;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A refresh family has an absolute lifetime from the login that began it
 * ({@code orchestrator.refresh-token-max-lifetime}, here 20 s): rotations never live past it, and
 * past it the user must log in again, however often the client refreshed.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
@TestProfile(RefreshMaxLifetimeTest.ShortFamilies.class)
class RefreshMaxLifetimeTest {

    public static class ShortFamilies implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orchestrator.refresh-token-max-lifetime", "PT20S");
        }
    }

    @Inject
    Pool pool;

    private static Response refresh(String token) {
        return given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", token).post("/token");
    }

    private long ttlMillis(String refreshToken) {
        // the refresh token's row, under the SHA-256 of the token
        var rows = pool.preparedQuery("SELECT expires_at FROM orchestrator_refresh_token WHERE token_hash = $1")
                .execute(Tuple.of(Hashes.sha256Hex(refreshToken))).await().atMost(Duration.ofSeconds(10));
        if (rows.size() == 0) {
            return -2;
        }
        return Duration.between(Instant.now(), rows.iterator().next().getOffsetDateTime("expires_at").toInstant()).toMillis();
    }

    @Test
    void aFamilyPastItsMaximumLifetimeIsRefusedHoweverOftenItWasRefreshed() throws Exception {
        Logins.Login login = Logins.login("max-life-1");
        String token = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath().getString("refresh_token");
        // the family began during the redemption, so no later than now
        long loginAt = System.currentTimeMillis();
        long ttl = ttlMillis(token);
        assertTrue(ttl > 0 && ttl <= 20000, "the first token lives no longer than the family may: " + ttl);
        // refreshing keeps working within the family's life, and never extends it
        while (System.currentTimeMillis() - loginAt < 5000) {
            token = refresh(token).then().statusCode(200).extract().jsonPath().getString("refresh_token");
            Thread.sleep(500);
        }
        long left = 20000 - (System.currentTimeMillis() - loginAt);
        ttl = ttlMillis(token);
        assertTrue(ttl > 0 && ttl <= left + 1000, "a rotation lives past the family's end: " + ttl + " ms, " + left + " ms left");
        Thread.sleep(Math.max(0, left) + 1500);
        refresh(token).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }
}
