package dev.tokenservices.token.grant.refresh;

import static dev.tokenservices.token.support.Fixtures.EXCHANGER;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER_SECRET;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ts.refresh.max-lifetime}: a family ends that long after the user's login however often the
 * client rotates, so a user disabled upstream loses access at the latest then.
 */
@QuarkusTest
@TestProfile(RefreshFamilyLifetimeTest.ShortFamilies.class)
class RefreshFamilyLifetimeTest {

    public static class ShortFamilies implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ts.refresh.max-lifetime", "PT15S");
        }
    }

    private static ValidatableResponse refresh(String token) {
        return form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", "refresh_token").formParam("refresh_token", token)
                .post("/token").then();
    }

    @Test
    void rotatingDoesNotKeepAFamilyAlivePastItsAbsoluteLifetime() throws Exception {
        String first = form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", RefreshTokenRaceTest.EXCHANGE).formParam("subject_token", issuer.idToken("frank-006"))
                .formParam("subject_token_type", RefreshTokenRaceTest.ID_TOKEN).formParam("scope", "acc.read")
                .post("/token").then().statusCode(200).extract().path("refresh_token");
        // the family began before this moment, so it ends before loggedIn + 15 s
        long loggedIn = System.currentTimeMillis();
        Thread.sleep(1000);
        String second = refresh(first).statusCode(200).extract().path("refresh_token");
        // each rotation used to start a new 30-day period; the family's end does not move
        Thread.sleep(Math.max(0, loggedIn + 15_500 - System.currentTimeMillis()));
        refresh(second).statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo(RefreshTokenRaceTest.UNUSABLE));
    }
}
