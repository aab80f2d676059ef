package dev.tokenservices.orchestrator.authorize;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.core.authority.InteractionMetrics;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.orchestrator.support.Browser;
import dev.tokenservices.orchestrator.support.FakeTokenService;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.shared.crypto.Hashes;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.quarkus.redis.datasource.keys.KeyScanCursor;
import io.quarkus.redis.datasource.keys.RedisValueType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ARCHITECTURE "What comes next": an API's authority waits for the user (a subscription…), and the
 * browser login goes to its page and back through {@code /continue} with a single-use ticket bound
 * to the browser; the client gets what is granted then. The "page" here is the test itself, which
 * follows the detour, tells the token service the user did it, and comes back as the page would.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class InteractionDetourTest {

    static final String ISSUER = "http://localhost:8082";
    static final String MEDIA_PAGE = "https://media.example/subscribe?plan=plus";
    static final String INVOICES_PAGE = "https://invoices.example/terms";

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry meters;

    @AfterEach
    void reset() {
        TestWorld.tokenService.resetInteractions();
        TestWorld.tokenService.mode = FakeTokenService.Mode.NORMAL;
    }

    private static void mediaAsks() {
        TestWorld.tokenService.asks.put(FakeTokenService.MEDIA, new FakeTokenService.Ask(MEDIA_PAGE, "subscription_required",
                "Media Plus is needed to play videos.", List.of()));
    }

    /** A login of test-app whose browser keeps its cookies in {@code browser}; returns the login and where the callback sent it. */
    private static Logins.Login login(Browser browser, String sub) {
        Logins.Login login = Logins.login(sub);
        browser.store(login.callback());
        return login;
    }

    /** Where a detour sends the browser, and its ticket. */
    private record Detour(String url, String ticket, Map<String, String> query) {
        static Detour of(Response response) {
            assertEquals(302, response.statusCode(), () -> response.asString());
            String location = response.header("Location");
            Map<String, String> query = Forms.query(location);
            return new Detour(location, query.get("ticket"), query);
        }
    }

    private static double interactions(MeterRegistry meters, String resource, String outcome) {
        var counter = meters.find(InteractionMetrics.NAME).tag("resource", resource).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void anApiAskingForASubscriptionSendsTheBrowserThereAndTheScopeComesAfterwards() {
        mediaAsks();
        double completedBefore = interactions(meters, FakeTokenService.MEDIA, "completed");
        Browser browser = new Browser();
        String sub = "detour-" + UUID.randomUUID();
        Logins.Login login = login(browser, sub);

        Detour detour = Detour.of(login.callback());
        assertTrue(detour.url().startsWith(MEDIA_PAGE + "&ticket="), detour.url());
        assertEquals("plus", detour.query().get("plan"));
        assertEquals(ISSUER + "/continue", detour.query().get("return_to"));
        assertEquals(43, detour.ticket().length());
        assertNull(detour.query().get("code"));
        assertEquals("no-store", login.callback().header("Cache-Control"));
        // the SSO session begins with the upstream login; the ticket is bound to this browser by a cookie for /continue only
        assertNotNull(login.sessionCookie());
        String ticketCookie = login.callback().headers().getValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("orch_interaction_")).findFirst().orElseThrow();
        assertTrue(ticketCookie.contains("HttpOnly") && ticketCookie.contains("SameSite=Lax") && ticketCookie.contains("Path=/continue"),
                ticketCookie);
        assertFalse(ticketCookie.contains(detour.ticket()), "the cookie is not the ticket");
        // the token service counts what its authorities ask; this service counts what the browser did
        assertEquals(0, interactions(meters, FakeTokenService.MEDIA, "asked"));

        // the user subscribes at the API's page, which sends the browser back
        TestWorld.tokenService.interactionDone(sub, FakeTokenService.MEDIA);
        Response back = browser.get("/continue", Map.of("ticket", detour.ticket()));
        assertEquals(302, back.statusCode(), back::asString);
        Map<String, String> result = Forms.query(back.header("Location"));
        assertTrue(back.header("Location").startsWith(Logins.REDIRECT + "?"));
        assertEquals(login.state(), result.get("state"));
        assertEquals(ISSUER, result.get("iss"));
        assertNotNull(result.get("code"));
        assertTrue(browser.names().stream().noneMatch(n -> n.startsWith("orch_interaction_")), "the ticket's cookie is expired");
        assertEquals(completedBefore + 1, interactions(meters, FakeTokenService.MEDIA, "completed"));

        JsonPath tokens = Logins.redeem(result.get("code"), login.verifier()).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("openid", "profile", "email", "invoices.read", "media.play"), List.of(tokens.getString("scope").split(" ")));
        assertEquals("media.play", tokens.getString("access_tokens.'" + FakeTokenService.MEDIA + "'.scope"));
        assertEquals("invoices.read", tokens.getString("access_tokens.'" + FakeTokenService.INVOICES + "'.scope"));
        assertNull(tokens.get("interaction_required"));
    }

    @Test
    void theTokensOfTheExchangeBeforeTheDetourAreRevoked() {
        mediaAsks();
        Browser browser = new Browser();
        String sub = "detour-revoked-" + UUID.randomUUID();
        login(browser, sub);
        // before the detour, invoices was granted: its token service refresh token is revoked, the way back exchanges again
        List<String> before = new ArrayList<>(TestWorld.tokenService.issued);
        assertFalse(before.isEmpty());
        String invoicesRefresh = before.stream().filter(t -> t.startsWith("ts-rt-")).reduce((a, b) -> b).orElseThrow();
        assertTrue(TestWorld.tokenService.revoked.contains(invoicesRefresh), "the unused refresh token is revoked");
    }

    @Test
    void declinedTheLoginFinishesWithoutThoseScopesAndTheClientIsToldWhy() {
        mediaAsks();
        double declinedBefore = interactions(meters, FakeTokenService.MEDIA, "declined");
        Browser browser = new Browser();
        Logins.Login login = login(browser, "decliner-" + UUID.randomUUID());
        Detour detour = Detour.of(login.callback());

        Response back = browser.get("/continue", Map.of("ticket", detour.ticket(), "declined", "true"));
        assertEquals(302, back.statusCode(), back::asString);
        Map<String, String> result = Forms.query(back.header("Location"));
        assertEquals(login.state(), result.get("state"));
        assertEquals(declinedBefore + 1, interactions(meters, FakeTokenService.MEDIA, "declined"));

        JsonPath tokens = Logins.redeem(result.get("code"), login.verifier()).then().statusCode(200).extract().jsonPath();
        assertEquals("openid profile email invoices.read", tokens.getString("scope"));
        Map<String, Object> perResource = tokens.getMap("access_tokens");
        assertEquals(List.of(FakeTokenService.INVOICES), List.copyOf(perResource.keySet()));
        List<Map<String, Object>> waiting = tokens.getList("interaction_required");
        assertEquals(1, waiting.size());
        assertEquals(FakeTokenService.MEDIA, waiting.get(0).get("resource"));
        assertEquals(MEDIA_PAGE, waiting.get(0).get("url"));
        assertEquals("subscription_required", waiting.get(0).get("reason"));
        assertEquals("Media Plus is needed to play videos.", waiting.get(0).get("message"));
    }

    @Test
    void comingBackWithoutHavingDoneItFinishesWithoutThoseScopesAndIsNotAskedAgain() {
        mediaAsks();
        Browser browser = new Browser();
        Logins.Login login = login(browser, "undone-" + UUID.randomUUID());
        Response back = browser.get("/continue", Map.of("ticket", Detour.of(login.callback()).ticket()));
        Map<String, String> result = Forms.query(back.header("Location"));
        assertNotNull(result.get("code"), back.header("Location"));
        JsonPath tokens = Logins.redeem(result.get("code"), login.verifier()).then().statusCode(200).extract().jsonPath();
        assertFalse(tokens.getString("scope").contains("media.play"));
    }

    @Test
    void twoApisAskingAreVisitedOneAfterTheOther() {
        mediaAsks();
        TestWorld.tokenService.asks.put(FakeTokenService.INVOICES, new FakeTokenService.Ask(INVOICES_PAGE, "terms_not_accepted",
                "Accept the invoicing terms.", List.of()));
        Browser browser = new Browser();
        String sub = "two-" + UUID.randomUUID();
        Logins.Login login = login(browser, sub);

        // the registry's order: invoices first
        Detour first = Detour.of(login.callback());
        assertTrue(first.url().startsWith(INVOICES_PAGE + "?ticket="), first.url());
        TestWorld.tokenService.interactionDone(sub, FakeTokenService.INVOICES);
        Detour second = Detour.of(browser.get("/continue", Map.of("ticket", first.ticket())));
        assertTrue(second.url().startsWith(MEDIA_PAGE + "&ticket="), second.url());
        assertNotEquals(first.ticket(), second.ticket());
        TestWorld.tokenService.interactionDone(sub, FakeTokenService.MEDIA);
        Response back = browser.get("/continue", Map.of("ticket", second.ticket()));
        Map<String, String> result = Forms.query(back.header("Location"));
        assertNotNull(result.get("code"), back.header("Location"));

        JsonPath tokens = Logins.redeem(result.get("code"), login.verifier()).then().statusCode(200).extract().jsonPath();
        assertEquals("openid profile email invoices.read media.play", tokens.getString("scope"));
    }

    @Test
    void aDeclinedApiIsNotAskedAgainTheNextOneIs() {
        mediaAsks();
        TestWorld.tokenService.asks.put(FakeTokenService.INVOICES, new FakeTokenService.Ask(INVOICES_PAGE, "terms_not_accepted",
                "Accept the invoicing terms.", List.of()));
        Browser browser = new Browser();
        String sub = "two-declined-" + UUID.randomUUID();
        Logins.Login login = login(browser, sub);
        Detour first = Detour.of(login.callback());
        Detour second = Detour.of(browser.get("/continue", Map.of("ticket", first.ticket(), "declined", "true")));
        assertTrue(second.url().startsWith(MEDIA_PAGE), second.url());
        TestWorld.tokenService.interactionDone(sub, FakeTokenService.MEDIA);
        Map<String, String> result = Forms.query(browser.get("/continue", Map.of("ticket", second.ticket())).header("Location"));
        JsonPath tokens = Logins.redeem(result.get("code"), login.verifier()).then().statusCode(200).extract().jsonPath();
        assertEquals("openid profile email media.play", tokens.getString("scope"));
        assertEquals(FakeTokenService.INVOICES, tokens.getString("interaction_required[0].resource"));
    }

    @Test
    void aScopeGrantedBeforeTheInteractionIsKeptWhenDeclined() {
        TestWorld.tokenService.asks.put(FakeTokenService.INVOICES, new FakeTokenService.Ask(INVOICES_PAGE, "verification_required",
                "Verify your address to see invoices.", List.of()));
        Browser browser = new Browser();
        Logins.Login login = Logins.login(Logins.APP, Logins.REDIRECT, "openid invoices.read media.play", "partial-" + UUID.randomUUID(), null);
        browser.store(login.callback());
        Detour detour = Detour.of(login.callback());
        Map<String, String> result = Forms.query(browser.get("/continue", Map.of("ticket", detour.ticket(), "declined", "true"))
                .header("Location"));
        JsonPath tokens = Logins.redeem(result.get("code"), login.verifier()).then().statusCode(200).extract().jsonPath();
        assertEquals("openid media.play", tokens.getString("scope"));
    }

    // ---- tickets that do not count: an error page, no login completed, nothing changed -----------

    private static void assertRefusedPage(Response response) {
        assertEquals(400, response.statusCode(), response::asString);
        assertTrue(response.contentType().startsWith("text/html"), response.contentType());
        assertNull(response.header("Location"));
        assertEquals("no-store", response.header("Cache-Control"));
    }

    @Test
    void aTicketOpenedInAnotherBrowserIsAnErrorPageAndTheRightBrowserStillContinues() {
        mediaAsks();
        Browser victim = new Browser();
        Logins.Login login = login(victim, "bound-" + UUID.randomUUID());
        Detour detour = Detour.of(login.callback());

        // no cookie at all
        assertRefusedPage(new Browser().get("/continue", Map.of("ticket", detour.ticket())));
        // a cookie of the right name with another value (the attacker's guess)
        Browser attacker = new Browser();
        String cookieName = victim.names().stream().filter(n -> n.startsWith("orch_interaction_")).findFirst().orElseThrow();
        attacker.put(cookieName, Secrets.random(), "/continue");
        assertRefusedPage(attacker.get("/continue", Map.of("ticket", detour.ticket())));
        // the attacker's own ticket cookie from his own detour does not fit the victim's ticket
        Browser other = new Browser();
        login(other, "bound-attacker-" + UUID.randomUUID());
        assertRefusedPage(other.get("/continue", Map.of("ticket", detour.ticket())));

        Response back = victim.get("/continue", Map.of("ticket", detour.ticket()));
        assertNotNull(Forms.query(back.header("Location")).get("code"), "the victim's login was not changed");
    }

    @Test
    void aTicketUsedTwiceIsAnErrorPage() {
        mediaAsks();
        Browser browser = new Browser();
        Logins.Login login = login(browser, "replay-" + UUID.randomUUID());
        Detour detour = Detour.of(login.callback());
        String cookieName = browser.names().stream().filter(n -> n.startsWith("orch_interaction_")).findFirst().orElseThrow();
        String cookieValue = browser.cookie(cookieName);
        assertNotNull(Forms.query(browser.get("/continue", Map.of("ticket", detour.ticket())).header("Location")).get("code"));
        // the same browser, its cookie put back
        browser.put(cookieName, cookieValue, "/continue");
        assertRefusedPage(browser.get("/continue", Map.of("ticket", detour.ticket())));
        assertRefusedPage(browser.get("/continue", Map.of("ticket", detour.ticket(), "declined", "true")));
    }

    @Test
    void anExpiredTicketIsAnErrorPage() {
        mediaAsks();
        Browser browser = new Browser();
        Logins.Login login = login(browser, "expired-" + UUID.randomUUID());
        Detour detour = Detour.of(login.callback());
        String key = "orch:interaction:" + Secrets.hash("interaction", detour.ticket());
        long ttl = redis.key(String.class).pttl(key);
        assertTrue(ttl > 590_000 && ttl <= 600_000, "the ticket lives at most 10 minutes: " + ttl);
        // its time runs out (the lifetime is Redis' TTL)
        redis.key(String.class).pexpire(key, 1);
        await(() -> !redis.key(String.class).exists(key));
        assertRefusedPage(browser.get("/continue", Map.of("ticket", detour.ticket())));
    }

    @Test
    void aBogusTicketIsAnErrorPage() {
        Browser browser = new Browser();
        assertRefusedPage(browser.get("/continue", Map.of("ticket", Secrets.random())));
        assertRefusedPage(browser.get("/continue", Map.of()));
        assertRefusedPage(browser.get("/continue", Map.of("ticket", "x".repeat(2000))));
        String bogus = Secrets.random();
        browser.put(ticketCookieName(bogus), Secrets.random(), "/continue");
        assertRefusedPage(browser.get("/continue", Map.of("ticket", bogus)));
    }

    /** The name the cookie of {@code ticket} would have (64 bits of its SHA-256). */
    private static String ticketCookieName(String ticket) {
        return "orch_interaction_" + HexFormat.of().formatHex(Hashes.sha256("interaction-cookie:" + ticket), 0, 8);
    }

    @Test
    void theDatastoreHoldsNoTicketNorTheUpstreamIdTokenInClear() {
        mediaAsks();
        Browser browser = new Browser();
        Logins.Login login = login(browser, "at-rest-ticket-" + UUID.randomUUID());
        Detour detour = Detour.of(login.callback());
        String cookieValue = browser.names().stream().filter(n -> n.startsWith("orch_interaction_")).map(browser::cookie)
                .findFirst().orElseThrow();
        String key = "orch:interaction:" + Secrets.hash("interaction", detour.ticket());
        String stored = redis.value(String.class).get(key);
        assertNotNull(stored, "the waiting login is kept under the ticket's hash");
        String upstreamIdToken = TestWorld.tokenService.requests.get(TestWorld.tokenService.requests.size() - 1).get("subject_token");
        List<String> secrets = List.of(detour.ticket(), cookieValue, upstreamIdToken, upstreamIdToken.split("\\.")[1]);
        List<String> found = new ArrayList<>();
        KeyScanCursor<String> cursor = redis.key(String.class).scan(new KeyScanArgs().match("orch:*").count(1000));
        while (cursor.hasNext()) {
            for (String k : cursor.next()) {
                if (redis.key(String.class).type(k) != RedisValueType.STRING) {
                    continue;
                }
                String value = redis.value(String.class).get(k);
                for (String secret : secrets) {
                    if (k.contains(secret) || (value != null && value.contains(secret))) {
                        found.add(k + " holds " + secret.substring(0, 8) + "…");
                    }
                }
            }
        }
        assertTrue(found.isEmpty(), "in clear in Redis: " + found);
        assertFalse(stored.contains("subscription_required"), "the record is sealed");
    }

    // ---- prompt=none, an upstream id_token that expired meanwhile, refresh ----------------------

    @Test
    void promptNoneAnswersInteractionRequiredInsteadOfADetour() {
        Logins.Login first = Logins.login("silent-" + UUID.randomUUID());
        assertNotNull(first.code());
        mediaAsks();
        int revokedBefore = TestWorld.tokenService.revoked.size();
        Response silent = Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, Logins.verifier(), "st-silent", "n-silent",
                first.sessionCookie(), Map.of("prompt", "none"));
        assertEquals(302, silent.statusCode());
        assertTrue(silent.header("Location").startsWith(Logins.REDIRECT + "?"), silent.header("Location"));
        Map<String, String> result = Forms.query(silent.header("Location"));
        assertEquals("interaction_required", result.get("error"));
        assertTrue(result.get("error_description").contains(FakeTokenService.MEDIA), result.get("error_description"));
        assertEquals("st-silent", result.get("state"));
        assertEquals(ISSUER, result.get("iss"));
        assertNull(result.get("code"));
        assertTrue(silent.headers().getValues("Set-Cookie").stream().noneMatch(c -> c.startsWith("orch_interaction_")));
        assertTrue(TestWorld.tokenService.revoked.size() > revokedBefore, "the invoices tokens obtained meanwhile are revoked");
    }

    @Test
    void anUpstreamIdTokenThatExpiredDuringTheDetourFailsTheLoginAtTheClient() {
        mediaAsks();
        String verifier = Logins.verifier();
        Response toUpstream = Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, verifier, "st-late", "n-late", null, Map.of());
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        // an id_token with less time left than an exchange needs once the user is back
        String code = TestWorld.upstream.codeExpiringIn("late-" + UUID.randomUUID(), up.get("nonce"), up.get("code_challenge"), 10);
        Browser browser = new Browser();
        Response callback = given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream))
                .queryParam("code", code).queryParam("state", up.get("state")).get("/callback");
        browser.store(callback);
        Detour detour = Detour.of(callback);
        Response back = browser.get("/continue", Map.of("ticket", detour.ticket()));
        assertEquals(302, back.statusCode());
        Map<String, String> result = Forms.query(back.header("Location"));
        assertEquals("login_required", result.get("error"));
        assertEquals("st-late", result.get("state"));
        assertNull(result.get("code"));
    }

    @Test
    void aRefreshWhoseAuthorityNowWaitsPassesTheMemberThrough() {
        Logins.Login login = Logins.login("refresh-waits-" + UUID.randomUUID());
        JsonPath first = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
        assertTrue(first.getString("scope").contains("media.play"));
        mediaAsks();
        Response refreshed = given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", first.getString("refresh_token")).post("/token");
        refreshed.then().statusCode(200);
        JsonPath tokens = refreshed.jsonPath();
        assertEquals("openid profile email invoices.read", tokens.getString("scope"));
        assertNull(tokens.get("access_tokens.'" + FakeTokenService.MEDIA + "'"));
        assertEquals(FakeTokenService.MEDIA, tokens.getString("interaction_required[0].resource"));
        assertEquals(MEDIA_PAGE, tokens.getString("interaction_required[0].url"));
        assertEquals("subscription_required", tokens.getString("interaction_required[0].reason"));
    }

    private static void await(java.util.function.BooleanSupplier condition) {
        long until = System.currentTimeMillis() + 5000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > until) {
                throw new AssertionError("timed out");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
