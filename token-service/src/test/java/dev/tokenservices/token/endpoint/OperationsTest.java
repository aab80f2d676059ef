package dev.tokenservices.token.endpoint;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import dev.tokenservices.token.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** What operators rely on: health that reflects Redis and PostgreSQL, Prometheus metrics. */
@QuarkusTest
class OperationsTest {

    @Test
    void readinessReflectsRedisAndPostgres() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Redis connection health check", "Reactive PostgreSQL connections health check"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsCountIssuedAndRejectedTokensByGrantAndClient() {
        Fixtures.workerToken();
        Fixtures.worker().formParam("grant_type", "client_credentials").formParam("scope", "nope").post("/token").then().statusCode(400);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        org.hamcrest.MatcherAssert.assertThat(metrics, containsString("ts_tokens_issued_total{client_id=\"test-worker\",grant_type=\"client_credentials\"}"));
        org.hamcrest.MatcherAssert.assertThat(metrics, containsString("ts_tokens_rejected_total{error=\"invalid_scope\",grant_type=\"client_credentials\"}"));
        org.hamcrest.MatcherAssert.assertThat(metrics, containsString("ts_token_request_seconds_bucket"));
        org.hamcrest.MatcherAssert.assertThat(metrics, containsString("ts_crypto_provider_info{provider="));
    }

    @Test
    void metricsNeverContainSecretsOrTokens() {
        String token = Fixtures.workerToken();
        given().get("/q/metrics").then().body(not(containsString(token.substring(0, 40))))
                .body(not(containsString(Fixtures.WORKER_SECRET)));
    }
}
