package dev.tokenservices.orchestrator.authorize;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.Pushes;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PAR required of every client ({@code orchestrator.par.required}), with request URIs that live 5 s. */
@QuarkusTest
@TestProfile(PushedAuthorizationRequiredTest.Required.class)
class PushedAuthorizationRequiredTest {

    public static class Required implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orchestrator.par.required", "true", "orchestrator.par.request-uri-lifetime", "5s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestWorld.class));
        }
    }

    @Test
    void everyClientIsRefusedAtThePlainAuthorizationEndpoint() {
        Response plain = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "s-req", "n", null, Map.of());
        assertEquals(302, plain.statusCode());
        Map<String, String> error = Forms.query(plain.header("Location"));
        assertEquals("invalid_request", error.get("error"));
        assertEquals("s-req", error.get("state"));
        String uri = Pushes.requestUri(Pushes.push(Pushes.testApp(),
                Pushes.request(Logins.verifier(), Map.of())));
        assertTrue(Pushes.authorizeWith(Logins.APP, uri).header("Location").startsWith(TestWorld.upstream.issuer()));
    }

    @Test
    void discoverySaysPushingIsRequired() {
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("require_pushed_authorization_requests", equalTo(true));
    }

    @Test
    void anExpiredRequestUriIsRefused() throws InterruptedException {
        Response pushed = Pushes.push(Pushes.testApp(),
                Pushes.request(Logins.verifier(), Map.of()));
        assertEquals(5, pushed.jsonPath().getInt("expires_in"));
        String uri = Pushes.requestUri(pushed);
        Thread.sleep(5_500);
        Response late = Pushes.authorizeWith(Logins.APP, uri);
        assertEquals(400, late.statusCode());
        assertNull(late.header("Location"));
        assertTrue(late.asString().contains("has expired"), late.asString());
    }
}
