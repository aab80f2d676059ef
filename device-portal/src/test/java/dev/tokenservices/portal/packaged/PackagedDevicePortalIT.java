package dev.tokenservices.portal.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.Test;

/**
 * The packaged application (target/quarkus-app, or the native executable with -Dnative), started as
 * it ships, with the test profile's Redis and registry: health and the code-entry page (templates
 * and the form's CSRF token come from the packaged build).
 */
@QuarkusIntegrationTest
class PackagedDevicePortalIT {

    @Test
    void startsHealthyAndServesTheCodeEntryPage() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/device").then().statusCode(200)
                .body(containsString("name=\"user_code\""));
        given().get("/q/metrics").then().statusCode(200);
    }
}
