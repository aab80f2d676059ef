package dev.tokenservices.orchestrator.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.Test;

/**
 * The packaged application (target/quarkus-app, or the native executable with -Dnative), started as
 * it ships, with the test profile's Redis, PostgreSQL and registry: health, discovery and JWKS.
 */
@QuarkusIntegrationTest
class PackagedOrchestratorIT {

    @Test
    void startsHealthyAndPublishesItsDiscovery() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("issuer", equalTo("http://localhost:8082"))
                .body("authorization_endpoint", equalTo("http://localhost:8082/authorize"));
        given().get("/jwks").then().statusCode(200).body("keys.size()", not(equalTo(0)));
        given().get("/q/metrics").then().statusCode(200);
    }
}
