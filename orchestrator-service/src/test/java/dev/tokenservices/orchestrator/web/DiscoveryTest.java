package dev.tokenservices.orchestrator.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class DiscoveryTest {

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;
    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;
    @TestHTTPResource("/")
    URL publicRoot;

    static final String ISSUER = "http://localhost:8082";

    @Test
    void discoveryNamesEveryEndpointUnderTheExactIssuer() {
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("issuer", equalTo(ISSUER))
                .body("authorization_endpoint", equalTo(ISSUER + "/authorize"))
                .body("token_endpoint", equalTo(ISSUER + "/token"))
                .body("userinfo_endpoint", equalTo(ISSUER + "/userinfo"))
                .body("jwks_uri", equalTo(ISSUER + "/jwks"))
                .body("end_session_endpoint", equalTo(ISSUER + "/logout"));
    }

    @Test
    void discoveryAnnouncesCodeFlowWithS256AndTheIssParameterOnly() {
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("response_types_supported", contains("code"))
                .body("code_challenge_methods_supported", contains("S256"))
                .body("authorization_response_iss_parameter_supported", equalTo(true))
                .body("subject_types_supported", contains("public"))
                .body("id_token_signing_alg_values_supported", contains("ES256"))
                .body("id_token_signing_alg_values_supported", not(hasItem("none")))
                .body("grant_types_supported", contains("authorization_code", "refresh_token"))
                .body("scopes_supported", hasItems("openid", "profile", "email"))
                .body("token_endpoint_auth_methods_supported", contains("client_secret_basic", "client_secret_post", "none"));
    }

    @Test
    void jwksPublishesTheIdTokenKeyWithoutPrivateParts() {
        given().get("/jwks").then().statusCode(200)
                .header("Cache-Control", startsWith("public, max-age="))
                .body("keys[0].kty", equalTo("EC")).body("keys[0].crv", equalTo("P-256"))
                .body("keys[0].alg", equalTo("ES256")).body("keys[0].use", equalTo("sig"))
                .body("keys[0].d", equalTo(null));
    }

    @Test
    void healthIsUpWithRedisAndPostgres() {
        given().get(ready).then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void operationalEndpointsAreOnlyOnTheManagementPort() {
        assertNotEquals(publicRoot.getPort(), ready.getPort(), "health must be on a port of its own");
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/health/live", "/q/health/started", "/q/metrics"}) {
            given().get(path).then().statusCode(404);
        }
        given().get(metrics).then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }
}
