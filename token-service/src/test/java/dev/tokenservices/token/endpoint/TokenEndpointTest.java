package dev.tokenservices.token.endpoint;

import static dev.tokenservices.token.support.Fixtures.WORKER;
import static dev.tokenservices.token.support.Fixtures.WORKER_SECRET;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.worker;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tokenservices.token.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The token endpoint's pre-checks and client authentication: every bad input and its exact answer. */
@QuarkusTest
class TokenEndpointTest {

    private static final String CLIENT_FAILED = "{\"error\":\"invalid_client\",\"error_description\":\"client authentication failed\"}";

    @Test
    void aWrongSecretIs401WithWwwAuthenticate() {
        String body = form().auth().preemptive().basic(WORKER, "wrong-secret-wrong-secret-wrong-secret")
                .formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(401)
                .header("WWW-Authenticate", containsString("Basic"))
                .header("Cache-Control", "no-store")
                .extract().asString();
        assertEquals(CLIENT_FAILED, body);
    }

    @Test
    void anUnknownClientLooksExactlyLikeAWrongSecret() {
        String body = form().auth().preemptive().basic("nobody", WORKER_SECRET)
                .formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(401).header("WWW-Authenticate", containsString("Basic")).extract().asString();
        assertEquals(CLIENT_FAILED, body);
    }

    @Test
    void aClientMustUseItsRegisteredMethod() {
        // post-worker is registered for client_secret_post
        form().auth().preemptive().basic(Fixtures.POST_WORKER, Fixtures.POST_WORKER_SECRET)
                .formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
        form().formParam("client_id", Fixtures.POST_WORKER).formParam("client_secret", Fixtures.POST_WORKER_SECRET)
                .formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(200).body("scope", equalTo("invoices.read"));
        // and test-worker for client_secret_basic
        form().formParam("client_id", WORKER).formParam("client_secret", WORKER_SECRET)
                .formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void basicCredentialsAreFormUrlDecoded() {
        String header = Base64.getEncoder().encodeToString("test%2Dworker:test-worker-secret-0123456789abcdef".getBytes());
        form().header("Authorization", "Basic " + header).formParam("grant_type", "client_credentials")
                .post("/token").then().statusCode(200);
    }

    @Test
    void malformedBasicCredentialsAreInvalidClient() {
        form().header("Authorization", "Basic %%%notbase64").formParam("grant_type", "client_credentials")
                .post("/token").then().statusCode(401).body("error", equalTo("invalid_client"));
        form().header("Authorization", "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes()))
                .formParam("grant_type", "client_credentials")
                .post("/token").then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void twoAuthenticationMethodsAtOnceAreInvalidRequest() {
        worker().formParam("client_secret", WORKER_SECRET).formParam("grant_type", "client_credentials")
                .post("/token").then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", containsString("more than one authentication method"));
    }

    @Test
    void noAuthenticationIs401() {
        form().formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(401)
                .body("error", equalTo("invalid_client"))
                .body("error_description", equalTo("client authentication is required"));
    }

    @Test
    void aBodyClientIdDifferentFromBasicIsInvalidRequest() {
        worker().formParam("client_id", "someone-else").formParam("grant_type", "client_credentials")
                .post("/token").then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void duplicateParametersAreInvalidRequest() {
        worker().formParam("grant_type", "client_credentials").formParam("scope", "invoices.read")
                .formParam("scope", "media.play").post("/token")
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("parameter 'scope' is included more than once"))
                .body("access_token", nullValue());
    }

    @Test
    void aMissingGrantTypeIsInvalidRequest() {
        worker().formParam("scope", "invoices.read").post("/token")
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("parameter 'grant_type' is required"));
    }

    @Test
    void anUnknownGrantTypeIsUnsupportedGrantType() {
        worker().formParam("grant_type", "password").post("/token")
                .then().statusCode(400)
                .body("error", equalTo("unsupported_grant_type"))
                .body("error_description", equalTo("grant_type 'password' is not supported"));
    }

    @Test
    void errorDescriptionsNeverCarryQuotesOrLineBreaks() {
        String description = worker().formParam("grant_type", "evil\"\r\nX-Injected: 1").post("/token")
                .then().statusCode(400).body("error", equalTo("unsupported_grant_type"))
                .extract().path("error_description");
        assertFalse(description.contains("\"") || description.contains("\r") || description.contains("\n"), description);
    }

    @Test
    void aJsonBodyIsInvalidRequest() {
        given().auth().preemptive().basic(WORKER, WORKER_SECRET).contentType("application/json")
                .body("{\"grant_type\":\"client_credentials\"}").post("/token")
                .then().statusCode(400)
                .header("Cache-Control", "no-store")
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("the request body must be application/x-www-form-urlencoded"));
    }

    @Test
    void aBodyWithoutContentTypeIsInvalidRequest() {
        given().config(RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
                        .appendDefaultContentCharsetToContentTypeIfUndefined(false)))
                .auth().preemptive().basic(WORKER, WORKER_SECRET)
                .body("grant_type=client_credentials".getBytes()).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void brokenFormEncodingIsInvalidRequest() {
        given().auth().preemptive().basic(WORKER, WORKER_SECRET).contentType("application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&scope=%ZZ").post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void getIs405() {
        given().get("/token").then().statusCode(405).body("error", equalTo("invalid_request"));
    }

    @Test
    void anOversizedBodyIs413Quickly() {
        String huge = "grant_type=client_credentials&pad=" + "a".repeat(70 * 1024);
        given().auth().preemptive().basic(WORKER, WORKER_SECRET).contentType("application/x-www-form-urlencoded")
                .body(huge).post("/token")
                .then().statusCode(413).time(lessThan(2000L));
    }

    @Test
    void oversizedHeadersAre431() {
        worker().header("X-Padding", "a".repeat(17 * 1024)).formParam("grant_type", "client_credentials")
                .post("/token").then().statusCode(431);
    }

    @Test
    void aSubjectTokenSizedParameterOf16KiBIsAccepted() {
        // real id_tokens with group claims are large; the form must not be capped at Quarkus' 2 KiB default
        worker().formParam("grant_type", "client_credentials").formParam("ignored", "a".repeat(16 * 1024))
                .post("/token").then().statusCode(200);
    }

    @Test
    void errorsNeverCarryATokenOrAStackTrace() {
        String body = worker().formParam("grant_type", "client_credentials").formParam("scope", "nope")
                .post("/token").then().statusCode(400).extract().asString();
        assertFalse(body.contains("access_token") || body.contains("Exception") || body.contains("at dev."), body);
    }

    @Test
    void unknownPathsAnswer404NotAServerError() {
        given().get("/token/../../etc/passwd").then().statusCode(not(equalTo(500)));
        given().post("/nope").then().statusCode(404);
    }
}
