package dev.tokenservices.orchestrator.authorize;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The authorization request beyond its client and redirect URI (OIDC Core §3.1.2): which client must
 * use PKCE ({@code require_pkce}), the order of the checks, {@code prompt}, the parameters passed
 * upstream, {@code id_token_hint}, and request objects refused as such.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class AuthenticationRequestTest {

    static final String ISSUER = "http://localhost:8082";
    static final String NONCE_APP = "nonce-app";
    static final String NONCE_APP_SECRET = "nonce-app-secret-0123456789abcdefghijk";
    static final String NONCE_APP_REDIRECT = "https://nonce.example/cb";

    /** test-app's request with PKCE and nonce, changed by {@code params} ("<absent>" removes one). */
    private static Response authorize(Map<String, String> params, String sessionCookie) {
        Map<String, String> all = new LinkedHashMap<>(Map.of("response_type", "code", "client_id", Logins.APP,
                "redirect_uri", Logins.REDIRECT, "scope", "openid email", "state", "s-123", "nonce", "n-456",
                "code_challenge", Forms.s256(Logins.verifier()), "code_challenge_method", "S256", "idp_hint", "test-idp"));
        all.putAll(params);
        all.values().removeIf(v -> v.equals("<absent>"));
        var request = given().redirects().follow(false);
        all.forEach(request::queryParam);
        if (sessionCookie != null) {
            request.cookie("orch_session", sessionCookie);
        }
        return request.get("/authorize");
    }

    private static Response authorize(Map<String, String> params) {
        return authorize(params, null);
    }

    /** nonce-app's request, without PKCE unless {@code params} adds it. */
    private static Map<String, String> nonceApp(Map<String, String> params) {
        Map<String, String> all = new LinkedHashMap<>(Map.of("client_id", NONCE_APP, "redirect_uri", NONCE_APP_REDIRECT,
                "code_challenge", "<absent>", "code_challenge_method", "<absent>"));
        all.putAll(params);
        return all;
    }

    /** An error at the client's redirect URI, with its state and our issuer; nothing issued (no code). */
    private static Map<String, String> errorAt(String redirectUri, Response response) {
        assertEquals(302, response.statusCode());
        String location = response.header("Location");
        assertTrue(location.startsWith(redirectUri + "?"), location);
        Map<String, String> q = Forms.query(location);
        assertEquals("s-123", q.get("state"));
        assertEquals(ISSUER, q.get("iss"));
        assertNull(q.get("code"));
        assertNotNull(q.get("error_description"));
        return q;
    }

    private static Map<String, String> errorAtClient(Response response) {
        return errorAt(Logins.REDIRECT, response);
    }

    /** Where the upstream redirect sends the browser, as a query map. */
    private static Map<String, String> upstream(Response response) {
        assertEquals(302, response.statusCode());
        assertTrue(response.header("Location").startsWith(TestWorld.upstream.issuer()), response.header("Location"));
        return Forms.query(response.header("Location"));
    }

    /** Completes at the fake upstream a login that {@code toUpstream} started; the callback's answer. */
    private static Response complete(Response toUpstream, String sub) {
        Map<String, String> up = upstream(toUpstream);
        String code = up.containsKey("code_challenge") ? TestWorld.upstream.code(sub, up.get("nonce"), up.get("code_challenge")) : null;
        return given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream))
                .queryParam("code", code).queryParam("state", up.get("state")).get("/callback");
    }

    // ---- require_pkce

    @Test
    void aClientRegisteredWithoutPkceLogsInWithNonceAndItsSecretAndTheIdTokenCarriesTheNonce() throws Exception {
        Response callback = complete(authorize(nonceApp(Map.of("nonce", "n-nopkce"))), "u-nopkce");
        Map<String, String> q = Forms.query(callback.header("Location"));
        assertTrue(callback.header("Location").startsWith(NONCE_APP_REDIRECT + "?"));
        assertNotNull(q.get("code"));
        String idToken = given().auth().preemptive().basic(NONCE_APP, NONCE_APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", q.get("code")).formParam("redirect_uri", NONCE_APP_REDIRECT).post("/token")
                .then().statusCode(200).extract().path("id_token");
        assertEquals("n-nopkce", SignedJWT.parse(idToken).getJWTClaimsSet().getClaim("nonce"));
    }

    @Test
    void withoutPkceTheNonceIsRequired() {
        Map<String, String> q = errorAt(NONCE_APP_REDIRECT, authorize(nonceApp(Map.of("nonce", "<absent>"))));
        assertEquals("invalid_request", q.get("error"));
        assertEquals("nonce is required when PKCE is not used", q.get("error_description"));
    }

    @Test
    void aClientThatMustUsePkceIsRefusedWithoutItEvenWithANonce() {
        Map<String, String> q = errorAtClient(authorize(Map.of("code_challenge", "<absent>", "code_challenge_method", "<absent>")));
        assertEquals("invalid_request", q.get("error"));
        assertEquals("PKCE is required: code_challenge is missing", q.get("error_description"));
        Response publicApp = authorize(Map.of("client_id", "public-app", "redirect_uri", "https://public.example/cb",
                "code_challenge", "<absent>", "code_challenge_method", "<absent>"));
        assertEquals("invalid_request", errorAt("https://public.example/cb", publicApp).get("error"));
    }

    @Test
    void aChallengeSentIsVerifiedWhateverTheSettingAndPlainIsRefused() {
        String verifier = Logins.verifier();
        Response callback = complete(authorize(nonceApp(Map.of("code_challenge", Forms.s256(verifier), "code_challenge_method", "S256"))),
                "u-nopkce-s256");
        String code = Forms.query(callback.header("Location")).get("code");
        given().auth().preemptive().basic(NONCE_APP, NONCE_APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", code).formParam("redirect_uri", NONCE_APP_REDIRECT).post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("code_verifier does not match the code_challenge (PKCE)"));
        Map<String, String> plain = errorAt(NONCE_APP_REDIRECT, authorize(nonceApp(Map.of("code_challenge", verifier,
                "code_challenge_method", "plain"))));
        assertEquals("invalid_request", plain.get("error"));
        assertEquals("code_challenge_method must be S256", plain.get("error_description"));
    }

    @Test
    void aVerifierForACodeRequestedWithoutAChallengeIsADowngradeAndRefused() {
        Response callback = complete(authorize(nonceApp(Map.of())), "u-downgrade");
        String code = Forms.query(callback.header("Location")).get("code");
        given().auth().preemptive().basic(NONCE_APP, NONCE_APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", code).formParam("redirect_uri", NONCE_APP_REDIRECT).formParam("code_verifier", Logins.verifier())
                .post("/token").then().statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("code_verifier was sent, but the authorization request had no code_challenge"))
                .body("access_token", equalTo(null));
    }

    // ---- the order of the checks

    @Test
    void promptNoneWithoutASessionIsLoginRequiredEvenWithoutPkce() {
        Map<String, String> q = errorAtClient(authorize(Map.of("prompt", "none", "code_challenge", "<absent>",
                "code_challenge_method", "<absent>")));
        assertEquals("login_required", q.get("error"));
    }

    @Test
    void responseTypeIsCheckedBeforePromptAndPromptBeforePkce() {
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("response_type", "<absent>", "prompt", "none"))).get("error"));
        assertEquals("unsupported_response_type", errorAtClient(authorize(Map.of("response_type", "token", "prompt", "none"))).get("error"));
        Map<String, String> q = errorAtClient(authorize(Map.of("prompt", "none login", "code_challenge", "<absent>")));
        assertEquals("invalid_request", q.get("error"));
        assertEquals("prompt=none cannot be combined with other values", q.get("error_description"));
        assertEquals("prompt has an unknown value", errorAtClient(authorize(Map.of("prompt", "always"))).get("error_description"));
    }

    @Test
    void requestObjectsAreRefusedAsSuchAfterTheClientAndRedirectUri() {
        Map<String, String> request = errorAtClient(authorize(Map.of("request", "eyJhbGciOiJub25lIn0.e30.")));
        assertEquals("request_not_supported", request.get("error"));
        Map<String, String> requestUri = errorAtClient(authorize(Map.of("request_uri", "https://app.example/req.jwt")));
        assertEquals("request_uri_not_supported", requestUri.get("error"));
        Response wrongRedirect = authorize(Map.of("request", "eyJhbGciOiJub25lIn0.e30.", "redirect_uri", "https://evil.example/cb"));
        assertEquals(400, wrongRedirect.statusCode());
        assertNull(wrongRedirect.header("Location"));
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("request_parameter_supported", equalTo(false)).body("request_uri_parameter_supported", equalTo(false));
    }

    // ---- parameters passed upstream

    @Test
    void acrValuesUiLocalesLoginHintDisplayAndMaxAgeGoUpstream() {
        Map<String, String> up = upstream(authorize(Map.of("acr_values", "urn:mace:incommon:iap:silver phr", "ui_locales", "fr-CA en",
                "login_hint", "ann@example.com", "display", "popup", "max_age", "300", "prompt", "login")));
        assertEquals("urn:mace:incommon:iap:silver phr", up.get("acr_values"));
        assertEquals("fr-CA en", up.get("ui_locales"));
        assertEquals("ann@example.com", up.get("login_hint"));
        assertEquals("popup", up.get("display"));
        assertEquals("300", up.get("max_age"));
        assertEquals("login", up.get("prompt"));
    }

    @Test
    void malformedUpstreamParametersAreInvalidRequest() {
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("display", "fullscreen"))).get("error"));
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("ui_locales", "fr_CA;q=1"))).get("error"));
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("acr_values", "a\tb"))).get("error"));
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("acr_values", "x".repeat(257)))).get("error"));
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("login_hint", "ann\r\n@example.com"))).get("error"));
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("login_hint", "a".repeat(257)))).get("error"));
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("max_age", "-1"))).get("error"));
        assertEquals("invalid_request", errorAtClient(authorize(Map.of("max_age", "soon"))).get("error"));
    }

    // ---- id_token_hint

    private static String idTokenOf(Logins.Login login) {
        return Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().path("id_token");
    }

    @Test
    void anIdTokenHintOfTheSessionsUserAnswersPromptNoneAndAnotherUsersIsLoginRequired() {
        Logins.Login ann = Logins.login("u-hint-ann-" + UUID.randomUUID());
        String annHint = idTokenOf(ann);
        String bobHint = idTokenOf(Logins.login("u-hint-bob-" + UUID.randomUUID()));
        Map<String, String> silent = Forms.query(authorize(Map.of("prompt", "none", "id_token_hint", annHint), ann.sessionCookie())
                .header("Location"));
        assertNotNull(silent.get("code"), silent.toString());
        Map<String, String> other = errorAtClient(authorize(Map.of("prompt", "none", "id_token_hint", bobHint), ann.sessionCookie()));
        assertEquals("login_required", other.get("error"));
        assertEquals("the user the id_token_hint names is not the one logged in", other.get("error_description"));
        // without prompt=none the user logs in again upstream, and our id_token is not sent there
        Map<String, String> up = upstream(authorize(Map.of("id_token_hint", bobHint), ann.sessionCookie()));
        assertFalse(up.containsKey("id_token_hint"));
    }

    @Test
    void anIdTokenHintNotIssuedHereIsInvalidRequest() {
        String hint = idTokenOf(Logins.login("u-hint-bad"));
        String[] parts = hint.split("\\.");
        String altered = parts[0] + "." + parts[1] + "." + (parts[2].startsWith("A") ? "B" : "A") + parts[2].substring(1);
        for (String bad : new String[] {"not-a-jwt", altered}) {
            Map<String, String> q = errorAtClient(authorize(Map.of("id_token_hint", bad)));
            assertEquals("invalid_request", q.get("error"));
            assertEquals("id_token_hint is not an id_token issued here", q.get("error_description"));
        }
    }
}
