package dev.tokenservices.orchestrator.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
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
 * management port only, discovery and JWKS; and nothing of the demo client, which only builds made
 * for ./run.sh contain; a malformed URI answered by the service's own check, as a page or as RFC 6749
 * JSON (in a native executable, vertx.disableURIValidation comes from the image build).
 */
@QuarkusIntegrationTest
@WithTestResource(ManagementPort.class)
class PackagedOrchestratorIT {

    @Test
    void startsHealthyAndPublishesItsDiscovery() {
        given().get(ManagementPort.url("health/live")).then().statusCode(200).body("status", equalTo("UP"));
        given().get(ManagementPort.url("health/ready")).then().statusCode(200).body("status", equalTo("UP"));
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("issuer", equalTo("http://localhost:8082"))
                .body("authorization_endpoint", equalTo("http://localhost:8082/authorize"));
        given().get("/jwks").then().statusCode(200).body("keys.size()", not(equalTo(0)));
        given().get(ManagementPort.url("metrics")).then().statusCode(200);
    }

    @Test
    void theProductionBuildHasNoDemoClient() {
        given().redirects().follow(false).get("/demo").then().statusCode(404);
        given().redirects().follow(false).get("/demo/callback?code=x&state=y").then().statusCode(404);
    }

    @Test
    void thePublicPortServesNoOperationalEndpoint() {
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/health/live", "/q/metrics"}) {
            given().get(path).then().statusCode(404);
        }
    }

    @Test
    void aMalformedUriGetsTheServicesOwnAnswer() throws Exception {
        RawHttp http = new RawHttp(new URL("http://localhost:" + RestAssured.port + "/"));
        Answer page = http.get("/authorize?client_id=test-app&redirect_uri=%zz", "");
        assertEquals(400, page.status(), page.toString());
        assertTrue(String.valueOf(page.header("Content-Type")).startsWith("text/html"), page.toString());
        assertTrue(page.body().contains("This address is malformed"), page.toString());
        Answer api = http.get("/jwks?x=%zz", "");
        assertEquals(400, api.status(), api.toString());
        assertTrue(api.body().startsWith("{\"error\":\"invalid_request\",\"error_description\":\""), api.toString());
        assertTrue(api.body().contains("'%'"), api.toString());
    }
}
