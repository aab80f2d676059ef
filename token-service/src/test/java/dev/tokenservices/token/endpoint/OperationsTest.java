package dev.tokenservices.token.endpoint;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.tokenservices.token.support.Fixtures;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * What operators rely on: health that reflects Redis and PostgreSQL, Prometheus metrics, both on the
 * management port only (the public port, behind the ingress, answers 404 for /q/*).
 */
@QuarkusTest
class OperationsTest {

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;
    @TestHTTPResource(value = "health/live", management = true)
    URL live;
    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;
    @TestHTTPResource("/")
    URL publicRoot;

    @Test
    void readinessReflectsRedisAndPostgres() {
        given().get(ready).then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Redis connection health check", "Reactive PostgreSQL connections health check"));
        given().get(live).then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void operationalEndpointsAreNotOnThePublicPort() {
        assertNotEquals(publicRoot.getPort(), ready.getPort(), "health must be on a port of its own");
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/health/live", "/q/health/started", "/q/metrics"}) {
            given().get(path).then().statusCode(404);
        }
        given().get(ready).then().statusCode(200);
        given().get(metrics).then().statusCode(200).body(containsString("ts_crypto_provider_info"));
    }

    @Test
    void metricsCountIssuedAndRejectedTokensByGrantAndClient() {
        Fixtures.workerToken();
        Fixtures.worker().formParam("grant_type", "client_credentials").formParam("scope", "nope").post("/token").then().statusCode(400);
        String scrape = given().get(metrics).then().statusCode(200).extract().asString();
        org.hamcrest.MatcherAssert.assertThat(scrape, containsString("ts_tokens_issued_total{client_id=\"test-worker\",grant_type=\"client_credentials\"}"));
        org.hamcrest.MatcherAssert.assertThat(scrape, containsString("ts_tokens_rejected_total{error=\"invalid_scope\",grant_type=\"client_credentials\"}"));
        org.hamcrest.MatcherAssert.assertThat(scrape, containsString("ts_token_request_seconds_bucket"));
        org.hamcrest.MatcherAssert.assertThat(scrape, containsString("ts_crypto_provider_info{provider="));
    }

    @Test
    void metricsNeverContainSecretsOrTokens() {
        String token = Fixtures.workerToken();
        given().get(metrics).then().body(not(containsString(token.substring(0, 40))))
                .body(not(containsString(Fixtures.WORKER_SECRET)));
    }
}
