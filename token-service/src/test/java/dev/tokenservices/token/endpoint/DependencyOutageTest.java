package dev.tokenservices.token.endpoint;

import static dev.tokenservices.testsupport.DependencyProxies.postgres;
import static dev.tokenservices.testsupport.DependencyProxies.redis;
import static dev.tokenservices.token.support.Fixtures.worker;
import static dev.tokenservices.token.support.Fixtures.workerToken;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import dev.tokenservices.testsupport.DependencyProxies;
import dev.tokenservices.testsupport.DpopProofs;
import dev.tokenservices.token.support.Fixtures;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Redis and PostgreSQL going away and coming back, through proxies the test cuts: requests that
 * need them answer 503 temporarily_unavailable within 5 s, client_credentials and JWKS go on from
 * memory, readiness reports the outage, and the service reconnects by itself.
 */
@QuarkusTest
@TestProfile(DependencyOutageTest.BehindProxies.class)
class DependencyOutageTest {

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;

    public static class BehindProxies implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(DependencyProxies.class, Map.of(DependencyProxies.TIMEOUT_PROPERTY, "ts.dependency-timeout")));
        }
    }

    @Test
    void redisOutageIs503ForWhatNeedsItAndHealsByItself() throws Exception {
        String token = workerToken();
        worker().formParam("token", token).post("/introspect").then().statusCode(200).body("active", equalTo(true));
        redis.cut();
        try {
            worker().formParam("token", token).post("/introspect")
                    .then().statusCode(503).time(lessThan(5000L))
                    .header("Cache-Control", "no-store")
                    .body("error", equalTo("temporarily_unavailable"));
            worker().formParam("token", token).post("/revoke")
                    .then().statusCode(503).time(lessThan(5000L)).body("error", equalTo("temporarily_unavailable"));
            // the hot path does not touch Redis; a DPoP proof is never accepted without its jti recorded
            workerToken();
            worker().header("DPoP", DpopProofs.proof(DpopProofs.ecKey(), "POST", Fixtures.ISSUER + "/token").sign())
                    .formParam("grant_type", "client_credentials").post("/token")
                    .then().statusCode(503).time(lessThan(5000L)).body("error", equalTo("temporarily_unavailable"));
            given().get(ready).then().statusCode(503);
        } finally {
            redis.start();
        }
        awaitStatus(() -> worker().formParam("token", token).post("/introspect").statusCode(), 200);
        awaitStatus(() -> given().get(ready).statusCode(), 200);
    }

    @Test
    void postgresOutageLeavesTokensJwksAndDiscoveryWorking() throws Exception {
        postgres.cut();
        try {
            workerToken();
            given().get("/jwks").then().statusCode(200);
            given().get("/.well-known/oauth-authorization-server").then().statusCode(200);
            awaitStatus(() -> given().get(ready).statusCode(), 503);
        } finally {
            postgres.start();
        }
        awaitStatus(() -> given().get(ready).statusCode(), 200);
    }

    private static void awaitStatus(java.util.function.IntSupplier status, int expected) throws InterruptedException {
        int last = -1;
        for (int i = 0; i < 60; i++) {
            last = status.getAsInt();
            if (last == expected) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("expected HTTP " + expected + " within 15 s, last was " + last);
    }
}
