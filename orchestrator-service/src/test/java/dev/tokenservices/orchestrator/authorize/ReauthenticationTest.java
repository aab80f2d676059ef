package dev.tokenservices.orchestrator.authorize;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code max_age} and {@code prompt=login} (OIDC Core §3.1.2.1): passed upstream, the upstream
 * {@code auth_time} checked at the callback ({@code login_required} when the IdP did not
 * authenticate the user again), and the SSO session not reused when it is too old or a new login is
 * asked for.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class ReauthenticationTest {

    static final String ISSUER = "http://localhost:8082";

    private static Response authorize(String verifier, String cookie, Map<String, String> extra) {
        return Logins.authorize(Logins.APP, Logins.REDIRECT, "openid email", verifier, "s-re", "n-re", cookie, extra);
    }

    /** The callback for an upstream login whose id_token says the user authenticated at {@code authTime}. */
    private static Response callback(Response toUpstream, String sub, Long authTime) {
        assertTrue(toUpstream.header("Location").startsWith(TestWorld.upstream.issuer()), toUpstream.header("Location"));
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String code = TestWorld.upstream.codeAuthenticatedAt(sub, up.get("nonce"), up.get("code_challenge"), authTime);
        return given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream))
                .queryParam("code", code).queryParam("state", up.get("state")).get("/callback");
    }

    private static void loginRequiredWithoutSession(Response callback, String description) {
        assertEquals(302, callback.statusCode());
        Map<String, String> q = Forms.query(callback.header("Location"));
        assertTrue(callback.header("Location").startsWith(Logins.REDIRECT + "?"));
        assertEquals("login_required", q.get("error"));
        assertEquals(description, q.get("error_description"));
        assertEquals("s-re", q.get("state"));
        assertEquals(ISSUER, q.get("iss"));
        assertNull(q.get("code"));
        assertNull(callback.getCookie("orch_session"), "no session starts");
    }

    private static long authTime(Logins.Login login, String verifier) throws Exception {
        String idToken = Logins.redeem(login.code(), verifier).then().statusCode(200).extract().path("id_token");
        return ((Number) SignedJWT.parse(idToken).getJWTClaimsSet().getClaim("auth_time")).longValue();
    }

    @Test
    void anUpstreamLoginOlderThanMaxAgeIsLoginRequired() {
        long now = System.currentTimeMillis() / 1000;
        Response toUpstream = authorize(Logins.verifier(), null, Map.of("max_age", "60"));
        assertEquals("60", Forms.query(toUpstream.header("Location")).get("max_age"));
        loginRequiredWithoutSession(callback(toUpstream, "u-old", now - 3600),
                "the identity provider did not authenticate the user again within max_age");
    }

    @Test
    void withMaxAgeTheUpstreamMustSayWhenTheUserAuthenticated() {
        loginRequiredWithoutSession(callback(authorize(Logins.verifier(), null, Map.of("max_age", "600")), "u-no-auth-time", null),
                "the identity provider did not say when the user authenticated (auth_time), which max_age requires");
    }

    @Test
    void promptLoginAnsweredWithAnEarlierUpstreamLoginIsLoginRequired() {
        long now = System.currentTimeMillis() / 1000;
        Response toUpstream = authorize(Logins.verifier(), null, Map.of("prompt", "login"));
        assertEquals("login", Forms.query(toUpstream.header("Location")).get("prompt"));
        loginRequiredWithoutSession(callback(toUpstream, "u-stale", now - 600),
                "the identity provider did not authenticate the user again (prompt=login)");
    }

    @Test
    void aFreshUpstreamLoginWithinMaxAgeCompletesAndTheIdTokenCarriesItsAuthTime() throws Exception {
        long authTime = System.currentTimeMillis() / 1000 - 5;
        String verifier = Logins.verifier();
        Response callback = callback(authorize(verifier, null, Map.of("max_age", "60")), "u-fresh", authTime);
        Logins.Login login = new Logins.Login(verifier, "s-re", "n-re", callback, callback.getCookie("orch_session"));
        assertNotNull(login.code());
        assertEquals(authTime, authTime(login, verifier));
    }

    @Test
    void theSessionIsNotReusedWhenPromptLoginOrMaxAgeAskForANewLogin() throws Exception {
        String sub = "u-sso-" + UUID.randomUUID();
        Logins.Login first = Logins.login(Logins.APP, Logins.REDIRECT, "openid email", sub, null);
        long firstAuthTime = authTime(first, first.verifier());
        // within max_age the session answers without going upstream
        Response reused = authorize(Logins.verifier(), first.sessionCookie(), Map.of("max_age", "3600"));
        assertTrue(reused.header("Location").startsWith(Logins.REDIRECT + "?"), reused.header("Location"));
        // prompt=login goes upstream whatever the session
        Response again = authorize(Logins.verifier(), first.sessionCookie(), Map.of("prompt", "login"));
        assertTrue(again.header("Location").startsWith(TestWorld.upstream.issuer()), again.header("Location"));
        Thread.sleep(2100);
        // the session is now older than max_age=1: prompt=none cannot answer, a login goes upstream
        Response silent = authorize(Logins.verifier(), first.sessionCookie(), Map.of("max_age", "1", "prompt", "none"));
        Map<String, String> q = Forms.query(silent.header("Location"));
        assertEquals("login_required", q.get("error"));
        assertEquals("s-re", q.get("state"));
        String verifier = Logins.verifier();
        Response toUpstream = authorize(verifier, first.sessionCookie(), Map.of("max_age", "1"));
        assertEquals("1", Forms.query(toUpstream.header("Location")).get("max_age"));
        Response callback = callback(toUpstream, sub, System.currentTimeMillis() / 1000);
        Logins.Login second = new Logins.Login(verifier, "s-re", "n-re", callback, callback.getCookie("orch_session"));
        assertTrue(authTime(second, verifier) >= firstAuthTime + 2, "a newer auth_time");
    }
}
