package dev.tokenservices.orchestrator.userinfo;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How /userinfo takes its access token (RFC 6750 §2): the Authorization header, or the
 * {@code access_token} of a form-encoded POST body; one way only; never the query. Errors are RFC 6750
 * §3 challenges with their code in {@code WWW-Authenticate} and in the body.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class UserinfoBearerTest {

    private String accessToken;

    /** A fresh login per test (RestAssured knows the test port only once Quarkus runs). */
    @BeforeEach
    void login() {
        Logins.Login login = Logins.login("ui-1");
        accessToken = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath().getString("access_token");
    }

    private static String challenge(String error, String description) {
        return "Bearer realm=\"orchestrator\", error=\"" + error + "\", error_description=\"" + description + "\"";
    }

    @Test
    void theTokenInAFormBodyAnswers() {
        given().contentType(ContentType.URLENC).formParam("access_token", accessToken).post("/userinfo").then().statusCode(200)
                .header("Cache-Control", "no-store").body("sub", equalTo("ui-1")).body("email", equalTo("ui-1@example.com"))
                .body("idp", equalTo(TestWorld.upstream.issuer()));
    }

    @Test
    void theTokenInTheHeaderAnswersOnGetAndPost() {
        given().auth().oauth2(accessToken).get("/userinfo").then().statusCode(200).body("sub", equalTo("ui-1"));
        given().auth().oauth2(accessToken).contentType(ContentType.URLENC).formParam("other", "x").post("/userinfo")
                .then().statusCode(200).body("sub", equalTo("ui-1"));
    }

    @Test
    void aTokenInBothHeaderAndBodyIsInvalidRequest() {
        String description = "the access token was sent both in the Authorization header and in the body";
        given().auth().oauth2(accessToken).contentType(ContentType.URLENC).formParam("access_token", accessToken).post("/userinfo")
                .then().statusCode(400).header("WWW-Authenticate", challenge("invalid_request", description))
                .body("error", equalTo("invalid_request")).body("error_description", equalTo(description));
    }

    @Test
    void aTokenInTheQueryIsInvalidRequest() {
        String description = "the access token is not accepted in the query; send it in the Authorization header";
        given().queryParam("access_token", accessToken).get("/userinfo").then().statusCode(400)
                .header("WWW-Authenticate", challenge("invalid_request", description)).body("error", equalTo("invalid_request"));
    }

    @Test
    void noTokenIsAChallengeWithoutErrorCode() {
        assertChallenges(given().get("/userinfo").then().statusCode(401).body(equalTo("")).extract().response());
        assertChallenges(given().contentType(ContentType.URLENC).formParam("other", "x").post("/userinfo").then().statusCode(401)
                .extract().response());
        assertChallenges(given().header("Authorization", "Basic dTpw").get("/userinfo").then().statusCode(401).extract().response());
    }

    /** One challenge per scheme taken (RFC 9449 §7.1), neither with an error code. */
    private static void assertChallenges(Response response) {
        List<String> challenges = response.headers().getValues("WWW-Authenticate");
        assertEquals(2, challenges.size(), challenges.toString());
        assertEquals("Bearer realm=\"orchestrator\"", challenges.get(0));
        assertEquals("DPoP realm=\"orchestrator\", algs=\"" + String.join(" ", DpopVerifier.ALGORITHMS) + "\"",
                challenges.get(1));
    }

    @Test
    void anInvalidTokenInTheBodyIsInvalidToken() {
        given().contentType(ContentType.URLENC).formParam("access_token", accessToken + "x").post("/userinfo").then().statusCode(401)
                .header("WWW-Authenticate", challenge("invalid_token", "the access token is invalid or expired"))
                .body("error", equalTo("invalid_token")).body("sub", nullValue());
    }

    @Test
    void aBodyWithTheTokenTwiceOrAnEmptyBearerIsInvalidRequest() {
        given().contentType(ContentType.URLENC).body("access_token=" + accessToken + "&access_token=" + accessToken).post("/userinfo")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        given().header("Authorization", "Bearer ").get("/userinfo").then().statusCode(400).body("error", equalTo("invalid_request"));
    }
}
