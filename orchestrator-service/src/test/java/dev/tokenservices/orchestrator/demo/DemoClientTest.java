package dev.tokenservices.orchestrator.demo;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The demo client, in a build that includes it (as ./run.sh builds): /demo starts a code flow at this
 * orchestrator like any web app would. The production build has no /demo (PackagedOrchestratorIT).
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
@TestProfile(DemoClientTest.WithTheDemo.class)
class DemoClientTest {

    public static class WithTheDemo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orchestrator.demo.enabled", "true", "orchestrator.demo.client-secret", "demo-app-secret-0123456789abcdefghij");
        }
    }

    @Test
    void theDemoStartsACodeFlowWithPkceAtThisOrchestrator() {
        given().redirects().follow(false).get("/demo").then().statusCode(302)
                .header("Cache-Control", "no-store")
                .header("Location", startsWith("http://localhost:8082/authorize?response_type=code&client_id=demo-app"
                        + "&redirect_uri=http%3A%2F%2Flocalhost%3A8082%2Fdemo%2Fcallback"))
                .header("Location", containsString("&code_challenge_method=S256"));
    }

    @Test
    void aCallbackWithoutItsStateShowsNothing() {
        given().get("/demo/callback?code=x&state=unknown").then().statusCode(200)
                .body(containsString("Unknown or used state"));
    }
}
