package dev.tokenservices.portal.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.tokenservices.testsupport.ManagementPort;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.Test;

/**
 * The packaged application (target/quarkus-app, or the native executable with -Dnative), started as
 * it ships, with the test profile's Redis and registry: health and metrics on the management port
 * only, and the code-entry page (templates and the form's CSRF token come from the packaged build).
 */
@QuarkusIntegrationTest
@WithTestResource(ManagementPort.class)
class PackagedDevicePortalIT {

    @Test
    void startsHealthyAndServesTheCodeEntryPage() {
        given().get(ManagementPort.url("health/live")).then().statusCode(200).body("status", equalTo("UP"));
        given().get("/device").then().statusCode(200)
                .body(containsString("name=\"user_code\""));
        given().get(ManagementPort.url("metrics")).then().statusCode(200);
    }

    @Test
    void thePublicPortServesNoOperationalEndpoint() {
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/health/live", "/q/metrics"}) {
            given().get(path).then().statusCode(404);
        }
    }
}
