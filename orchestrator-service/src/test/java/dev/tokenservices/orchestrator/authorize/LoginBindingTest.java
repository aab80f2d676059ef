package dev.tokenservices.orchestrator.authorize;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.orchestrator.support.Browser;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Login CSRF / session swap (RFC 9700 §4.7): a callback completes only in the browser that started
 * the login, by its sealed login cookie. Written as the attack: the attacker logs in upstream as
 * himself, stops before /callback and gets the victim to open that link.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class LoginBindingTest {

    @Inject
    LoginCookies loginCookies;

    /** A login started in {@code browser} and finished at the upstream as {@code sub}: the callback link, not yet opened. */
    record Started(String verifier, String clientState, Map<String, String> callbackQuery) {
        String state() {
            return callbackQuery.get("state");
        }
    }

    private static Started startAndLogInUpstream(Browser browser, String sub) {
        String verifier = Logins.verifier();
        String clientState = "cs-" + UUID.randomUUID();
        Response toUpstream = browser.get("/authorize", authorizeQuery(verifier, clientState));
        assertEquals(302, toUpstream.statusCode());
        assertTrue(toUpstream.header("Location").startsWith(TestWorld.upstream.issuer()), toUpstream.header("Location"));
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String code = TestWorld.upstream.code(sub, up.get("nonce"), up.get("code_challenge"));
        return new Started(verifier, clientState, Map.of("code", code, "state", up.get("state")));
    }

    private static Map<String, String> authorizeQuery(String verifier, String clientState) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", Logins.APP);
        query.put("redirect_uri", Logins.REDIRECT);
        query.put("scope", "openid email");
        query.put("state", clientState);
        query.put("nonce", "n-" + UUID.randomUUID());
        query.put("code_challenge", Forms.s256(verifier));
        query.put("code_challenge_method", "S256");
        query.put("idp_hint", "test-idp");
        // to the upstream even when the browser has a session
        query.put("prompt", "login");
        return query;
    }

    /** Who the session in {@code sessionCookie} logs in, asked as a client would: prompt=none, code, token, id_token. */
    private static String subjectOfTheSession(String sessionCookie) throws Exception {
        String verifier = Logins.verifier();
        Response silent = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", verifier, "s-silent", "n-silent", sessionCookie,
                Map.of("prompt", "none"));
        String code = Forms.query(silent.header("Location")).get("code");
        assertNotNull(code, silent.header("Location"));
        String idToken = Logins.redeem(code, verifier).then().statusCode(200).extract().jsonPath().getString("id_token");
        return SignedJWT.parse(idToken).getJWTClaimsSet().getSubject();
    }

    private static void refusedWithoutSession(Response response) {
        assertEquals(400, response.statusCode());
        assertTrue(response.contentType().startsWith("text/html"), response.contentType());
        assertTrue(response.body().asString().contains("not started in this browser"), response.body().asString());
        assertNull(response.header("Location"));
        assertFalse(response.headers().getValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("orch_session=")),
                response.headers().getValues("Set-Cookie").toString());
    }

    @Test
    void anAttackersCallbackLinkOpenedByTheVictimLogsNoOneInAndLeavesHerSessionAlone() throws Exception {
        String victimSub = "victim-" + UUID.randomUUID();
        Browser victim = new Browser();
        victim.put("orch_session", Logins.login(victimSub).sessionCookie(), "/");
        Browser attacker = new Browser();
        Started attackersLogin = startAndLogInUpstream(attacker, "attacker-" + UUID.randomUUID());

        Response opened = victim.get("/callback", attackersLogin.callbackQuery());

        refusedWithoutSession(opened);
        assertEquals(victimSub, subjectOfTheSession(victim.cookie("orch_session")));
        // the link itself was good: in the attacker's own browser it completes
        Response own = attacker.get("/callback", attackersLogin.callbackQuery());
        assertEquals(302, own.statusCode());
        assertNotNull(Forms.query(own.header("Location")).get("code"), own.header("Location"));
    }

    @Test
    void theVictimsOwnLoginCookieDoesNotCompleteTheAttackersLogin() throws Exception {
        String victimSub = "victim-" + UUID.randomUUID();
        Browser victim = new Browser();
        victim.put("orch_session", Logins.login(victimSub).sessionCookie(), "/");
        Started victimsLogin = startAndLogInUpstream(victim, victimSub);
        Started attackersLogin = startAndLogInUpstream(new Browser(), "attacker-" + UUID.randomUUID());

        // a login cookie of this browser, for another state
        refusedWithoutSession(victim.get("/callback", attackersLogin.callbackQuery()));
        // that cookie's value under the name the attacker's state would use: sealed for another state
        String victimsValue = victim.cookie(LoginCookies.name(victimsLogin.state()));
        assertNotNull(victimsValue);
        refusedWithoutSession(given().redirects().follow(false).cookie("orch_session", victim.cookie("orch_session"))
                .cookie(LoginCookies.name(attackersLogin.state()), victimsValue)
                .queryParams(attackersLogin.callbackQuery()).get("/callback"));

        assertEquals(victimSub, subjectOfTheSession(victim.cookie("orch_session")));
    }

    @Test
    void anAlteredLoginCookieIsRefused() {
        Browser attacker = new Browser();
        Started login = startAndLogInUpstream(attacker, "attacker-" + UUID.randomUUID());
        String name = LoginCookies.name(login.state());
        String value = attacker.cookie(name);
        int middle = value.length() / 2;
        String altered = value.substring(0, middle) + (value.charAt(middle) == 'A' ? 'B' : 'A') + value.substring(middle + 1);

        refusedWithoutSession(given().redirects().follow(false).cookie(name, altered).queryParams(login.callbackQuery()).get("/callback"));
        refusedWithoutSession(given().redirects().follow(false).cookie(name, "not-sealed").queryParams(login.callbackQuery()).get("/callback"));
    }

    @Test
    void anExpiredLoginCookieIsRefused() {
        String verifier = Logins.verifier();
        AuthorizationRequest request = new AuthorizationRequest(Logins.APP, Logins.REDIRECT, List.of("openid"), "cs-expired", "n",
                Forms.s256(Logins.verifier()), null, null, -1, null, "S256", null, null, null, null, ClaimsRequest.NONE, null,
                List.of());
        long now = System.currentTimeMillis() / 1000;
        String state = "st-" + UUID.randomUUID();
        PendingLogin expired = new PendingLogin(request, "test-idp", "up-nonce", verifier, state, now - 1, now - 61);
        String code = TestWorld.upstream.code("expired-" + UUID.randomUUID(), "up-nonce", Forms.s256(verifier));

        refusedWithoutSession(given().redirects().follow(false).cookie(LoginCookies.name(state), loginCookies.seal(expired))
                .queryParam("code", code).queryParam("state", state).get("/callback"));

        // the same login a minute before its end completes: the refusal was the expiry
        PendingLogin current = new PendingLogin(request, "test-idp", "up-nonce", verifier, state, now + 60, now);
        Response completed = given().redirects().follow(false).cookie(LoginCookies.name(state), loginCookies.seal(current))
                .queryParam("code", code).queryParam("state", state).get("/callback");
        assertEquals(302, completed.statusCode());
        assertNotNull(Forms.query(completed.header("Location")).get("code"), completed.header("Location"));
    }

    @Test
    void theLoginCookieIsHttpOnlyLaxShortLivedAndSentToTheCallbackOnly() {
        Response toUpstream = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "s", "n", null, Map.of());
        String state = Forms.query(toUpstream.header("Location")).get("state");
        String line = toUpstream.headers().getValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(LoginCookies.name(state) + "=")).findFirst().orElseThrow();
        assertTrue(line.contains("HttpOnly"), line);
        assertTrue(line.contains("SameSite=Lax"), line);
        assertTrue(line.contains("Path=/callback;") || line.endsWith("Path=/callback"), line);
        assertTrue(line.contains("Max-Age=600"), line);
        assertFalse(line.contains("Secure"), "the test issuer is http: " + line);
        String name = LoginCookies.name(state);
        assertTrue(name.startsWith("orch_login_"), name);
        assertFalse(List.of("portal_csrf", "q_session_Default_portal", "orch_session").contains(name) || name.startsWith("q_auth_"));
    }

    @Test
    void twoTabsOfOneBrowserLogInAtOnceAndEachAnswerExpiresItsOwnCookie() {
        Browser browser = new Browser();
        Started first = startAndLogInUpstream(browser, "tabs-" + UUID.randomUUID());
        Started second = startAndLogInUpstream(browser, "tabs-" + UUID.randomUUID());

        Response secondBack = browser.get("/callback", second.callbackQuery());
        assertEquals(second.clientState(), Forms.query(secondBack.header("Location")).get("state"));
        assertNotNull(Forms.query(secondBack.header("Location")).get("code"));
        assertTrue(secondBack.headers().getValues("Set-Cookie").stream()
                .anyMatch(c -> c.startsWith(LoginCookies.name(second.state()) + "=;") && c.contains("Max-Age=0")));
        Response firstBack = browser.get("/callback", first.callbackQuery());
        assertEquals(first.clientState(), Forms.query(firstBack.header("Location")).get("state"));
        assertNotNull(Forms.query(firstBack.header("Location")).get("code"));
        assertNull(browser.cookie(LoginCookies.name(first.state())));
        assertNull(browser.cookie(LoginCookies.name(second.state())));
        // replaying an answered callback in this browser: its cookie is gone
        refusedWithoutSession(browser.get("/callback", first.callbackQuery()));
    }

    @Test
    void oneBrowserHoldsAtMostFourLoginsInProgressTheOldestGoFirst() {
        Browser browser = new Browser();
        List<Started> logins = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            logins.add(startAndLogInUpstream(browser, "many-" + UUID.randomUUID()));
            long held = browser.names().stream().filter(n -> n.startsWith("orch_login_")).count();
            assertTrue(held <= 4, "login cookies held: " + held);
        }
        for (int i = 0; i < 3; i++) {
            assertNull(browser.cookie(LoginCookies.name(logins.get(i).state())), "login " + i + " should have been expired");
        }
        assertEquals(4, browser.cookiesFor("/callback").keySet().stream().filter(n -> n.startsWith("orch_login_")).count());
        // the newest complete; the expired oldest is refused like any unknown login
        Response newest = browser.get("/callback", logins.get(6).callbackQuery());
        assertNotNull(Forms.query(newest.header("Location")).get("code"), newest.header("Location"));
        refusedWithoutSession(browser.get("/callback", logins.get(0).callbackQuery()));
    }

    @Test
    void aForgedListOfLoginsCannotMakeTheAnswerGrow() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            many.append(many.isEmpty() ? "" : ".").append(String.format("%016x", i));
        }
        for (String list : List.of("0123456789abcdef", many.toString(), "not a list", "")) {
            Response response = given().redirects().follow(false).cookie(LoginCookies.RECENT, list)
                    .queryParams(authorizeQuery(Logins.verifier(), "cs-list")).get("/authorize");
            assertEquals(302, response.statusCode());
            List<String> set = response.headers().getValues("Set-Cookie");
            // the new login, the list, and at most the expiry of four older logins
            assertTrue(set.size() <= 6, set.size() + " cookies set");
            assertTrue(set.stream().anyMatch(c -> c.startsWith("orch_login_") && !c.contains("Max-Age=0")), set.toString());
        }
    }

    @Test
    void aRequestTooLargeForTheLoginCookieIsInvalidRequestAtTheClient() {
        String big = "x".repeat(1000);
        Response response = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), big, big, null,
                Map.of("login_hint", big));
        assertEquals(302, response.statusCode());
        Map<String, String> q = Forms.query(response.header("Location"));
        assertTrue(response.header("Location").startsWith(Logins.REDIRECT + "?"), response.header("Location"));
        assertEquals("invalid_request", q.get("error"));
        assertEquals(big, q.get("state"));
        assertTrue(response.headers().getValues("Set-Cookie").isEmpty(), response.headers().getValues("Set-Cookie").toString());
    }
}
