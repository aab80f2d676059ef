package dev.tokenservices.token.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.testsupport.ManagementPort;
import dev.tokenservices.testsupport.RawHttp;
import dev.tokenservices.testsupport.RawHttp.Answer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * The packaged application (target/quarkus-app, or the native executable with -Dnative), started as
 * it ships, with the test profile's Redis, PostgreSQL and registry: health and metrics on the
 * management port only, discovery, JWKS and one client_credentials token; a malformed URI answered
 * by the service's own check (in a native executable, vertx.disableURIValidation comes from the image
 * build: native-image.properties).
 */
@QuarkusIntegrationTest
@WithTestResource(ManagementPort.class)
class PackagedTokenServiceIT {

    @Test
    void startsHealthyAndIssuesATokenFromThePackagedBuild() {
        given().get(ManagementPort.url("health/live")).then().statusCode(200).body("status", equalTo("UP"));
        given().get(ManagementPort.url("health/ready")).then().statusCode(200).body("status", equalTo("UP"));
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("issuer", equalTo("http://localhost:8081"))
                .body("grant_types_supported", hasItem("client_credentials"));
        given().get("/jwks").then().statusCode(200).body("keys.size()", not(equalTo(0)));
        given().auth().preemptive().basic("test-worker", System.getenv("TEST_WORKER_SECRET"))
                .formParam("grant_type", "client_credentials").formParam("scope", "invoices.read")
                .post("/token")
                .then().statusCode(200)
                .body("access_token", not(emptyOrNullString()))
                .body("token_type", equalTo("Bearer"));
        given().get(ManagementPort.url("metrics")).then().statusCode(200);
    }

    @Test
    void thePublicPortServesNoOperationalEndpoint() {
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/health/live", "/q/metrics"}) {
            given().get(path).then().statusCode(404);
        }
    }

    @Test
    void aMalformedUriGetsTheServicesOwnInvalidRequest() throws Exception {
        RawHttp http = new RawHttp(new URL("http://localhost:" + RestAssured.port + "/"));
        for (Answer answer : new Answer[] {http.get("/jwks?x=%zz", ""), http.get("/jw%zzks", ""),
                http.postForm("/token?x=%4", "grant_type=client_credentials")}) {
            assertEquals(400, answer.status(), answer.toString());
            assertEquals("no-store", answer.header("Cache-Control"), answer.toString());
            assertTrue(answer.body().startsWith("{\"error\":\"invalid_request\",\"error_description\":\""), answer.toString());
            assertTrue(answer.body().contains("'%'"), answer.toString());
        }
    }
}
