package dev.tokenservices.orchestrator.outage;

import static dev.tokenservices.testsupport.DependencyProxies.postgres;
import static dev.tokenservices.testsupport.DependencyProxies.redis;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.testsupport.DependencyProxies;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Redis and PostgreSQL going away and coming back, through TCP proxies the test cuts (ARCHITECTURE
 * "Dependencies"): what needs Redis answers within 5 s — {@code /authorize} with a session cookie with
 * a redirect to the validated client carrying {@code error=temporarily_unavailable}, {@code state} and
 * {@code iss} (without one it needs no Redis: the login in progress is a browser cookie), an
 * unknown client or redirect URI an error page and never a redirect, {@code /token} 503
 * {@code temporarily_unavailable} JSON — while discovery and JWKS go on from memory; readiness
 * reports the outage, and the orchestrator reconnects by itself once the dependency is back.
 */
@QuarkusTest
@TestProfile(DependencyOutageTest.BehindProxies.class)
class DependencyOutageTest {

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;
    @TestHTTPResource(value = "health/live", management = true)
    URL live;

    static final String ISSUER = "http://localhost:8082";
    static final long FIVE_SECONDS = 5000;

    public static class BehindProxies implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestWorld.class), new TestResourceEntry(DependencyProxies.class, Map.of(DependencyProxies.TIMEOUT_PROPERTY, "orchestrator.dependency-timeout")));
        }
    }

    @Test
    void redisOutageAnswersWithinFiveSecondsAndHealsByItself() throws Exception {
        // before the cut: a code to redeem during the outage, and two logins waiting at the upstream
        Logins.Login before = Logins.login("outage-" + UUID.randomUUID());
        String code = before.code();
        assertNotNull(code);
        Response toUpstream = Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, Logins.verifier(), "st-pending", "n-pending",
                null, Map.of());
        assertEquals(302, toUpstream.statusCode());
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String waitingVerifier = Logins.verifier();
        Response waiting = Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, waitingVerifier, "st-waiting", "n-waiting",
                null, Map.of());
        Map<String, String> waitingUp = Forms.query(waiting.header("Location"));

        redis.cut();
        try {
            // without a session cookie, sending the browser upstream needs no Redis (the login in
            // progress is in a cookie): it goes on working
            Response noSession = timed(() -> Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, Logins.verifier(),
                    "st-outage", "n-outage", null, Map.of()));
            assertEquals(302, noSession.statusCode());
            assertTrue(noSession.header("Location").startsWith(TestWorld.upstream.issuer()), noSession.header("Location"));

            // with a session cookie, whose lookup needs Redis: the error goes back to the validated
            // client and redirect URI, with its state and iss
            Response withCookie = timed(() -> Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, Logins.verifier(),
                    "st-cookie", "n-cookie", before.sessionCookie(), Map.of()));
            assertEquals("temporarily_unavailable", errorAtClient(withCookie, "st-cookie").get("error"));

            // POST /authorize as well
            Response posted = timed(() -> given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                    .cookie("orch_session", before.sessionCookie())
                    .formParam("response_type", "code").formParam("client_id", Logins.APP).formParam("redirect_uri", Logins.REDIRECT)
                    .formParam("scope", "openid").formParam("state", "st-post").formParam("nonce", "n-post")
                    .formParam("code_challenge", Forms.s256(Logins.verifier())).formParam("code_challenge_method", "S256")
                    .formParam("idp_hint", "test-idp").post("/authorize"));
            assertEquals("temporarily_unavailable", errorAtClient(posted, "st-post").get("error"));

            // an unknown client or an unregistered redirect URI: an error page, never a redirect
            errorPage(timed(() -> Logins.authorize("no-such-app", Logins.REDIRECT, Logins.SCOPE, Logins.verifier(), "st-x", "n-x",
                    null, Map.of())));
            errorPage(timed(() -> Logins.authorize(Logins.APP, "https://evil.example/cb", Logins.SCOPE, Logins.verifier(), "st-x",
                    "n-x", null, Map.of())));

            // the upstream's answer for a login in progress: which client to answer is in the
            // browser's login cookie, so the client hears "try again later" with its state
            Response callback = timed(() -> given().redirects().follow(false).cookies(Logins.loginCookies(toUpstream))
                    .queryParam("code", TestWorld.upstream.code("outage-cb", up.get("nonce"), up.get("code_challenge")))
                    .queryParam("state", up.get("state")).get("/callback"));
            assertEquals("temporarily_unavailable", errorAtClient(callback, "st-pending").get("error"));

            // the token endpoint: 503 temporarily_unavailable JSON, not cached
            Logins.redeem(code, before.verifier()).then().statusCode(503).time(lessThan(FIVE_SECONDS))
                    .header("Cache-Control", "no-store").contentType(io.restassured.http.ContentType.JSON)
                    .body("error", equalTo("temporarily_unavailable"));
            // refresh tokens are checked in PostgreSQL: refusing an unknown one needs no Redis
            given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                    .formParam("refresh_token", "some-refresh-token").post("/token")
                    .then().statusCode(400).time(lessThan(FIVE_SECONDS)).header("Cache-Control", "no-store")
                    .body("error", equalTo("invalid_grant"));

            // what does not need Redis goes on
            given().get("/.well-known/openid-configuration").then().statusCode(200).time(lessThan(FIVE_SECONDS));
            given().get("/jwks").then().statusCode(200).time(lessThan(FIVE_SECONDS));
            given().get(live).then().statusCode(200);
            given().get(ready).then().statusCode(503).time(lessThan(FIVE_SECONDS));
        } finally {
            redis.start();
        }

        awaitStatus(() -> given().get(ready).statusCode(), 200);
        // no restart: the code that could not be redeemed during the outage was not burned by it
        Response redeemed = awaitResponse(() -> Logins.redeem(code, before.verifier()), 200);
        assertNotNull(redeemed.jsonPath().getString("id_token"));
        // the login that waited at the upstream during the outage completes
        Response callback = given().redirects().follow(false).cookies(Logins.loginCookies(waiting))
                .queryParam("code", TestWorld.upstream.code("outage-cb", waitingUp.get("nonce"), waitingUp.get("code_challenge")))
                .queryParam("state", waitingUp.get("state")).get("/callback");
        Map<String, String> result = errorAtClient(callback, "st-waiting");
        assertNotNull(result.get("code"), callback.header("Location"));
        Logins.redeem(result.get("code"), waitingVerifier).then().statusCode(200);
        // and a new login from the start
        Logins.Login after = Logins.login("outage-after-" + UUID.randomUUID());
        Logins.redeem(after.code(), after.verifier()).then().statusCode(200).body("token_type", equalTo("Bearer"));
    }

    @Test
    void postgresOutageLeavesDiscoveryJwksAndLoginsWorking() throws Exception {
        postgres.cut();
        try {
            given().get("/.well-known/openid-configuration").then().statusCode(200).time(lessThan(FIVE_SECONDS))
                    .body("issuer", equalTo(ISSUER));
            given().get("/jwks").then().statusCode(200).time(lessThan(FIVE_SECONDS));
            Response toUpstream = timed(() -> Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, Logins.verifier(),
                    "st-pg", "n-pg", null, Map.of()));
            assertEquals(302, toUpstream.statusCode());
            assertTrue(toUpstream.header("Location").startsWith(TestWorld.upstream.issuer()), toUpstream.header("Location"));
            // signing keys are held in memory: a whole login and its redemption need no database; only
            // the refresh family cannot start, so the answer has no refresh token
            Logins.Login login = Logins.login("pg-outage-" + UUID.randomUUID());
            Logins.redeem(login.code(), login.verifier()).then().statusCode(200).time(lessThan(FIVE_SECONDS))
                    .body("id_token", org.hamcrest.Matchers.notNullValue()).body("refresh_token", org.hamcrest.Matchers.nullValue());
            awaitStatus(() -> given().get(ready).statusCode(), 503);
            given().get(ready).then().time(lessThan(FIVE_SECONDS));
        } finally {
            postgres.start();
        }
        awaitStatus(() -> given().get(ready).statusCode(), 200);
        given().get("/jwks").then().statusCode(200);
        // back: logins get refresh tokens again, without a restart
        Logins.Login after = Logins.login("pg-after-" + UUID.randomUUID());
        Logins.redeem(after.code(), after.verifier()).then().statusCode(200).body("refresh_token", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void redisThatHangsIsAnsweredWithinFiveSeconds() throws Exception {
        Logins.Login before = Logins.login("hang-" + UUID.randomUUID());
        redis.freeze();
        try {
            Response refused = timed(() -> Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, Logins.verifier(), "st-hang",
                    "n-hang", before.sessionCookie(), Map.of()));
            assertEquals("temporarily_unavailable", errorAtClient(refused, "st-hang").get("error"));
            errorPage(timed(() -> Logins.authorize("no-such-app", Logins.REDIRECT, Logins.SCOPE, Logins.verifier(), "st-x", "n-x",
                    null, Map.of())));
            Logins.redeem(before.code(), before.verifier()).then().statusCode(503).time(lessThan(FIVE_SECONDS))
                    .header("Cache-Control", "no-store").body("error", equalTo("temporarily_unavailable"));
            given().get("/.well-known/openid-configuration").then().statusCode(200).time(lessThan(FIVE_SECONDS));
            given().get("/jwks").then().statusCode(200).time(lessThan(FIVE_SECONDS));
            given().get(ready).then().statusCode(503).time(lessThan(FIVE_SECONDS));
        } finally {
            redis.thaw();
        }
        awaitStatus(() -> given().get(ready).statusCode(), 200);
        // (the code above may or may not have been taken by the GETDEL that was held back: not checked)
        Logins.Login after = Logins.login("hang-after-" + UUID.randomUUID());
        Logins.redeem(after.code(), after.verifier()).then().statusCode(200);
    }

    @Test
    void postgresThatHangsLeavesLoginsWorkingAndIsNotReady() throws Exception {
        postgres.freeze();
        try {
            given().get("/.well-known/openid-configuration").then().statusCode(200).time(lessThan(FIVE_SECONDS));
            given().get("/jwks").then().statusCode(200).time(lessThan(FIVE_SECONDS));
            Logins.Login login = timedLogin("pg-hang-" + UUID.randomUUID());
            Logins.redeem(login.code(), login.verifier()).then().statusCode(200).time(lessThan(FIVE_SECONDS))
                    .body("id_token", org.hamcrest.Matchers.notNullValue()).body("refresh_token", org.hamcrest.Matchers.nullValue());
            given().get(ready).then().statusCode(503).time(lessThan(FIVE_SECONDS));
        } finally {
            postgres.thaw();
        }
        awaitStatus(() -> given().get(ready).statusCode(), 200);
    }

    private static Logins.Login timedLogin(String sub) {
        long t0 = System.nanoTime();
        Logins.Login login = Logins.login(sub);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < FIVE_SECONDS, "login took " + ms + " ms");
        return login;
    }

    private static Response timed(Supplier<Response> request) {
        long t0 = System.nanoTime();
        Response response = request.get();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < FIVE_SECONDS, "answered after " + ms + " ms");
        return response;
    }

    private static Map<String, String> errorAtClient(Response response, String state) {
        assertEquals(302, response.statusCode(), response.body().asString());
        String location = response.header("Location");
        assertTrue(location.startsWith(Logins.REDIRECT + "?"), location);
        Map<String, String> q = Forms.query(location);
        assertEquals(state, q.get("state"));
        assertEquals(ISSUER, q.get("iss"));
        return q;
    }

    private static void errorPage(Response response) {
        assertTrue(response.statusCode() == 400 || response.statusCode() == 503, "status " + response.statusCode());
        assertNull(response.header("Location"));
        assertTrue(response.contentType().startsWith("text/html"), response.contentType());
    }

    private static void awaitStatus(IntSupplier status, int expected) throws InterruptedException {
        int last = -1;
        for (int i = 0; i < 60; i++) {
            last = status.getAsInt();
            if (last == expected) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("expected HTTP " + expected + " within 15 s, last was " + last);
    }

    private static Response awaitResponse(Supplier<Response> request, int expected) throws InterruptedException {
        Response last = null;
        for (int i = 0; i < 60; i++) {
            last = request.get();
            if (last.statusCode() == expected) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("expected HTTP " + expected + " within 15 s, last was " + last.statusCode() + " "
                + last.body().asString());
    }
}
