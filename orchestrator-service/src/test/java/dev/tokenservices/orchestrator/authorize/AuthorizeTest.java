package dev.tokenservices.orchestrator.authorize;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class AuthorizeTest {

    static final String ISSUER = "http://localhost:8082";

    private static Response authorize(Map<String, String> params) {
        Map<String, String> all = new HashMap<>(Map.of("response_type", "code", "client_id", "test-app",
                "redirect_uri", Logins.REDIRECT, "scope", "openid profile", "state", "s-123", "nonce", "n-456",
                "code_challenge", Forms.s256(Logins.verifier()), "code_challenge_method", "S256", "idp_hint", "test-idp"));
        all.putAll(params);
        all.values().removeIf(v -> v == null || v.equals("<absent>"));
        var request = given().redirects().follow(false);
        all.forEach(request::queryParam);
        return request.get("/authorize");
    }

    private static Map<String, String> errorAtClient(Response response) {
        assertEquals(302, response.statusCode());
        String location = response.header("Location");
        assertTrue(location.startsWith(Logins.REDIRECT + "?"), location);
        Map<String, String> q = Forms.query(location);
        assertEquals("s-123", q.get("state"));
        assertEquals(ISSUER, q.get("iss"));
        return q;
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://app.example/cb/", "https://app.example/CB", "HTTPS://app.example/cb",
            "https://app.example/cb?x=1", "https://app.example/cb#f", "https://app.example/cb/../cb",
            "https://app.example/c", "https://app.example/cbx", "https://app.example@evil.example/cb",
            "https://evil.example/?https://app.example/cb", "https://app.example:443/cb", "http://app.example/cb",
            "http://127.0.0.1:9001/cb", "http://localhost:9000/cb", "http://127.0.0.1/cb", "https://app.example/cb%2F"})
    void unregisteredRedirectUriVariantsGetAnErrorPageAndNoRedirect(String redirectUri) {
        Response response = authorize(Map.of("redirect_uri", redirectUri));
        assertEquals(400, response.statusCode());
        assertNull(response.header("Location"));
        assertTrue(response.contentType().startsWith("text/html"));
        assertTrue(response.body().asString().contains("redirect_uri is not registered"));
    }

    @Test
    void theRegisteredLoopbackRedirectUriIsAccepted() {
        Response response = authorize(Map.of("redirect_uri", "http://127.0.0.1:9000/cb"));
        assertEquals(302, response.statusCode());
        assertTrue(response.header("Location").startsWith(TestWorld.upstream.issuer()));
    }

    @Test
    void unknownOrMissingClientGetsAnErrorPage() {
        Response unknown = authorize(Map.of("client_id", "nobody"));
        assertEquals(400, unknown.statusCode());
        assertNull(unknown.header("Location"));
        Response missing = authorize(Map.of("client_id", "<absent>"));
        assertEquals(400, missing.statusCode());
        assertNull(missing.header("Location"));
        Response noRedirect = authorize(Map.of("redirect_uri", "<absent>"));
        assertEquals(400, noRedirect.statusCode());
        assertNull(noRedirect.header("Location"));
    }

    @Test
    void missingPkceIsInvalidRequestAtTheClient() {
        Map<String, String> q = errorAtClient(authorize(Map.of("code_challenge", "<absent>", "code_challenge_method", "<absent>")));
        assertEquals("invalid_request", q.get("error"));
        assertTrue(q.get("error_description").contains("PKCE"));
    }

    @Test
    void plainPkceIsInvalidRequestAtTheClient() {
        String verifier = Logins.verifier();
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("code_challenge", verifier, "code_challenge_method", "plain"))).get("error"));
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("code_challenge_method", "<absent>"))).get("error"));
    }

    @Test
    void responseTypeOtherThanCodeIsUnsupported() {
        assertEquals("unsupported_response_type", errorAtClient(authorize(Map.of("response_type", "token"))).get("error"));
        assertEquals("unsupported_response_type", errorAtClient(authorize(Map.of("response_type", "code id_token"))).get("error"));
    }

    @Test
    void scopeWithoutOpenidIsInvalidScope() {
        assertEquals("invalid_scope", errorAtClient(authorize(Map.of("scope", "profile invoices.read"))).get("error"));
    }

    @Test
    void promptNoneWithoutSessionIsLoginRequired() {
        assertEquals("login_required", errorAtClient(authorize(Map.of("prompt", "none"))).get("error"));
    }

    @Test
    void unknownIdpHintIsInvalidRequest() {
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("idp_hint", "nope"))).get("error"));
    }

    @Test
    void clientWithoutTheCodeGrantIsUnauthorized() {
        Response response = authorize(Map.of("client_id", "no-code-app", "redirect_uri", "https://nocode.example/cb"));
        assertEquals(302, response.statusCode());
        assertEquals("unauthorized_client", Forms.query(response.header("Location")).get("error"));
    }

    @Test
    void withSeveralIdpsAndNoHintAChooserPageIsShown() {
        given().redirects().follow(false).queryParam("response_type", "code").queryParam("client_id", "test-app")
                .queryParam("redirect_uri", Logins.REDIRECT).queryParam("scope", "openid").queryParam("state", "s")
                .queryParam("code_challenge", Forms.s256(Logins.verifier())).queryParam("code_challenge_method", "S256")
                .get("/authorize").then().statusCode(200).contentType(containsString("text/html"))
                .header("Location", nullValue())
                .body(containsString("idp_hint=test-idp")).body(containsString("idp_hint=down-idp"));
    }

    @Test
    void theUpstreamRequestUsesItsOwnStateNonceAndS256AndForwardsLoginHint() {
        Response response = authorize(Map.of("login_hint", "ann@example.com"));
        assertEquals(302, response.statusCode());
        Map<String, String> up = Forms.query(response.header("Location"));
        assertEquals("code", up.get("response_type"));
        assertEquals("orch-upstream", up.get("client_id"));
        assertEquals(ISSUER + "/callback", up.get("redirect_uri"));
        assertEquals("S256", up.get("code_challenge_method"));
        assertEquals("ann@example.com", up.get("login_hint"));
        assertTrue(!up.get("state").equals("s-123") && up.get("state").length() >= 43);
        assertTrue(!up.get("nonce").equals("n-456") && up.get("nonce").length() >= 43);
    }

    @Test
    void anUpstreamThatIsDownIsAPageWhoseLinkTakesTemporarilyUnavailableToTheClient() {
        long start = System.nanoTime();
        Response page = authorize(Map.of("idp_hint", "down-idp"));
        assertEquals(503, page.statusCode());
        assertTrue(page.asString().contains("down-idp is not available right now"));
        assertTrue(page.asString().contains("error=temporarily_unavailable"), page.asString());
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
    }

    @Test
    void duplicateParametersGetAnErrorPage() {
        Response response = given().redirects().follow(false).get("/authorize?client_id=test-app&client_id=other-app&redirect_uri="
                + Logins.REDIRECT);
        assertEquals(400, response.statusCode());
        assertNull(response.header("Location"));
    }
}
