package dev.tokenservices.portal.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * Health and metrics are served on the management port only: the public port, the one behind the
 * ingress, answers 404 for /q/*, so metrics labelled with client ids never face the internet.
 */
@QuarkusTest
class ManagementInterfaceTest {

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;
    @TestHTTPResource(value = "health/live", management = true)
    URL live;
    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;
    @TestHTTPResource("/")
    URL publicRoot;

    @Test
    void operationalEndpointsAreOnlyOnTheManagementPort() {
        assertNotEquals(publicRoot.getPort(), ready.getPort(), "health must be on a port of its own");
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/health/live", "/q/health/started", "/q/metrics"}) {
            given().get(path).then().statusCode(404);
        }
        given().get(ready).then().statusCode(200).body("status", equalTo("UP"));
        given().get(live).then().statusCode(200).body("status", equalTo("UP"));
        given().get(metrics).then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }
}
