package dev.tokenservices.orchestrator.metadata;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A metadata-document client pushes its request to /par as a public client (client_id only) and the
 * person consents to it: the consent page and the way back to /authorize carry a new request_uri each
 * time, never the pushed parameters, and each request_uri works once.
 */
@QuarkusTest
@TestProfile(UnvettedClients.class)
class UnvettedPushedRequestTest {

    static final String REDIRECT = "https://pushing.example/cb";
    static String pushing;

    @BeforeAll
    static void documents() {
        DocumentServer server = DocumentWorld.documents;
        pushing = server.url("/pushing.json");
        server.json("/pushing.json", "{\"client_id\":\"" + pushing + "\",\"client_name\":\"Pushing agent\",\"redirect_uris\":[\""
                + REDIRECT + "\"],\"token_endpoint_auth_method\":\"none\"}", "max-age=300");
    }

    private record Pushed(String verifier, String state, String requestUri) {
    }

    private static Pushed push() {
        String verifier = Logins.verifier();
        String state = "st-pushed-" + UUID.randomUUID();
        Response pushed = Pushes.push(given(), UnvettedLogins.request(pushing, REDIRECT, "openid email", verifier, state, "n-pushed"));
        return new Pushed(verifier, state, Pushes.requestUri(pushed));
    }

    private static void assertRefusedPage(Response response) {
        assertEquals(400, response.statusCode());
        assertNull(response.header("Location"));
        assertTrue(response.asString().contains("request_uri"), response.asString());
    }

    @Test
    void theConsentPageAndTheWayBackCarryNewRequestUrisNeverThePushedParameters() {
        Pushed pushed = push();
        Browser browser = new Browser();
        Response page = browser.get("/authorize", Map.of("client_id", pushing, "request_uri", pushed.requestUri()));
        assertEquals(200, page.statusCode(), page.asString());
        String html = page.asString();
        Map<String, String> fields = UnvettedLogins.form(html, "consent");
        assertEquals(Set.of("client_id", "request_uri", "csrf"), fields.keySet());
        assertEquals(pushing, fields.get("client_id"));
        assertTrue(Pushes.REQUEST_URI.matcher(fields.get("request_uri")).matches());
        assertNotEquals(pushed.requestUri(), fields.get("request_uri"));
        assertEquals(fields.keySet(), UnvettedLogins.form(html, "abort").keySet());
        assertFalse(html.contains(pushed.state()), "the pushed state is not on the page");
        assertFalse(html.contains(Forms.s256(pushed.verifier())), "nor the code challenge");
        // the request_uri the client handed out was taken when the page was shown
        assertRefusedPage(Pushes.authorizeWith(pushing, pushed.requestUri()));

        Response approved = UnvettedLogins.decide(browser, page, "approve");
        assertEquals(303, approved.statusCode(), approved.asString());
        String location = approved.header("Location");
        Map<String, String> query = Forms.query(location);
        assertEquals(Set.of("client_id", "request_uri"), query.keySet());
        assertNotEquals(fields.get("request_uri"), query.get("request_uri"));
        assertFalse(location.contains(pushed.state()));
        // the consent form's request_uri is used up too
        assertRefusedPage(UnvettedLogins.decide(browser, page, "approve"));

        Response back = UnvettedLogins.upstreamAndBack(browser, UnvettedLogins.follow(browser, location), "pushed-" + UUID.randomUUID());
        assertTrue(back.header("Location").startsWith(REDIRECT + "?"), back.header("Location"));
        Map<String, String> result = Forms.query(back.header("Location"));
        assertEquals(pushed.state(), result.get("state"));
        given().formParam("grant_type", "authorization_code").formParam("client_id", pushing).formParam("code", result.get("code"))
                .formParam("redirect_uri", REDIRECT).formParam("code_verifier", pushed.verifier()).post("/token").then().statusCode(200);
    }

    @Test
    void cancellingAPushedRequestSendsAccessDeniedWithItsState() {
        Pushed pushed = push();
        Browser browser = new Browser();
        Response page = browser.get("/authorize", Map.of("client_id", pushing, "request_uri", pushed.requestUri()));
        Response denied = UnvettedLogins.decide(browser, page, "deny");
        assertEquals(302, denied.statusCode());
        assertTrue(denied.header("Location").startsWith(REDIRECT + "?"));
        Map<String, String> result = Forms.query(denied.header("Location"));
        assertEquals("access_denied", result.get("error"));
        assertEquals(pushed.state(), result.get("state"));
        assertNull(browser.cookie("orch_consent"));
    }

    @Test
    void anotherClientsIdDoesNotTakeTheConsentFormsRequestUri() {
        Pushed pushed = push();
        Browser browser = new Browser();
        Response page = browser.get("/authorize", Map.of("client_id", pushing, "request_uri", pushed.requestUri()));
        Map<String, String> fields = UnvettedLogins.form(page.asString(), "consent");
        fields.put("client_id", Logins.APP);
        fields.put("decision", "approve");
        assertRefusedPage(browser.post("/authorize/consent", fields));
        assertNull(browser.cookie("orch_consent"));
    }

    @Test
    void atParWhatAuthorizeShowsAsAnErrorPageIsInvalidRequestJson() {
        Map<String, String> request = UnvettedLogins.request(pushing, "https://elsewhere.example/cb", "openid", Logins.verifier(), "s", "n");
        Response refused = Pushes.push(given(), request);
        assertEquals(400, refused.statusCode());
        assertTrue(refused.contentType().startsWith("application/json"), refused.contentType());
        assertEquals("invalid_request", refused.jsonPath().getString("error"));
        assertTrue(refused.jsonPath().getString("error_description").contains("redirect_uri is not registered"), refused.asString());
    }
}
