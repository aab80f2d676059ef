package dev.tokenservices.orchestrator.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.nullValue;
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
                .body("id_token_signing_alg_values_supported", contains("RS256", "ES256", "EdDSA"))
                .body("claims_parameter_supported", equalTo(true))
                .body("claims_supported", hasItems("sub", "idp", "email", "phone_number", "address", "updated_at"))
                .body("id_token_signing_alg_values_supported", not(hasItem("none")))
                .body("grant_types_supported", contains("authorization_code", "refresh_token"))
                .body("scopes_supported", hasItems("openid", "profile", "email"))
                .body("token_endpoint_auth_methods_supported", contains("client_secret_basic", "client_secret_post", "private_key_jwt", "none"))
                .body("token_endpoint_auth_signing_alg_values_supported", hasItems("RS256", "ES256", "EdDSA"))
                .body("token_endpoint_auth_signing_alg_values_supported", not(hasItem("HS256")));
    }

    @Test
    void jwksPublishesTheKeyOfEachAlgorithmWithoutPrivateParts() {
        given().get("/jwks").then().statusCode(200)
                .header("Cache-Control", startsWith("public, max-age="))
                .body("keys[0].kty", equalTo("RSA")).body("keys[0].alg", equalTo("RS256")).body("keys[0].use", equalTo("sig"))
                .body("keys.find { it.alg == 'ES256' }.crv", equalTo("P-256"))
                .body("keys.find { it.alg == 'EdDSA' }.crv", equalTo("Ed25519"))
                .body("keys.d", everyItem(nullValue())).body("keys.p", everyItem(nullValue()));
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
