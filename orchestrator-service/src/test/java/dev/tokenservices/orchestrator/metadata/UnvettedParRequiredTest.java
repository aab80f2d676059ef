package dev.tokenservices.orchestrator.metadata;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Browser;
import dev.tokenservices.orchestrator.support.DocumentServer;
import dev.tokenservices.orchestrator.support.DocumentWorld;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.Pushes;
import dev.tokenservices.orchestrator.support.UnvettedClients;
import dev.tokenservices.orchestrator.support.UnvettedLogins;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ORCHESTRATOR_PAR_REQUIRED} holds metadata-document and registered clients to PAR as it does the file's. */
@QuarkusTest
@TestProfile(UnvettedParRequiredTest.ParRequired.class)
class UnvettedParRequiredTest {

    public static class ParRequired extends UnvettedClients {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("orchestrator.par.required", "true");
            return overrides;
        }
    }

    static final String REDIRECT = "https://everyone-pushes.example/cb";
    static String agent;

    @BeforeAll
    static void documents() {
        DocumentServer server = DocumentWorld.documents;
        agent = server.url("/everyone-pushes.json");
        server.json("/everyone-pushes.json", "{\"client_id\":\"" + agent + "\",\"redirect_uris\":[\"" + REDIRECT + "\"],"
                + "\"token_endpoint_auth_method\":\"none\"}", "max-age=300");
    }

    @Test
    void aDocumentClientMustPushAndCan() {
        Response plain = new Browser().get("/authorize", UnvettedLogins.request(agent, REDIRECT, "openid", Logins.verifier(), "st-plain", "n"));
        assertEquals(302, plain.statusCode());
        Map<String, String> error = Forms.query(plain.header("Location"));
        assertEquals("invalid_request", error.get("error"));
        assertEquals("st-plain", error.get("state"));

        String verifier = Logins.verifier();
        String uri = Pushes.requestUri(Pushes.push(given(), UnvettedLogins.request(agent, REDIRECT, "openid", verifier, "st-pushed", "n")));
        Response back = UnvettedLogins.pushedLogin(new Browser(), agent, uri, "everyone-" + UUID.randomUUID());
        assertTrue(back.header("Location").startsWith(REDIRECT + "?"));
        assertEquals("st-pushed", Forms.query(back.header("Location")).get("state"));
    }

    @Test
    void aRegisteredClientMustPushToo() {
        String clientId = given().header("X-Forwarded-For", "198.51.100.201").auth().oauth2(UnvettedClients.REGISTRATION_TOKEN)
                .contentType("application/json").body("{\"redirect_uris\":[\"" + REDIRECT + "\"],\"token_endpoint_auth_method\":\"none\"}")
                .post("/register").then().statusCode(201).extract().jsonPath().getString("client_id");
        Response plain = new Browser().get("/authorize", UnvettedLogins.request(clientId, REDIRECT, "openid", Logins.verifier(), "s", "n"));
        assertEquals("invalid_request", Forms.query(plain.header("Location")).get("error"));
        String uri = Pushes.requestUri(Pushes.push(given(), UnvettedLogins.request(clientId, REDIRECT, "openid", Logins.verifier(), "s", "n")));
        assertEquals(200, new Browser().get("/authorize", Map.of("client_id", clientId, "request_uri", uri)).statusCode());
    }
}
