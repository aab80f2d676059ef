package dev.tokenservices.orchestrator.session;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.crypto.Hashes;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.quarkus.redis.datasource.keys.KeyScanCursor;
import io.quarkus.redis.datasource.keys.RedisValueType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a reader or a writer of Redis gets (ARCHITECTURE "Trust and abuse": datastores hold no bearer
 * credential in clear; records whose integrity grants access are sealed). The scan looks at every
 * {@code orch:*} value and every refresh-family row in PostgreSQL, other test runs' included, for the secrets this test saw; those are unique
 * to this run, so another run's records can never make it fail or pass.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class RedisRecordsTest {

    @Inject
    RedisDataSource redis;

    @Inject
    Pool pool;

    private static Response refresh(String token) {
        return given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", token).post("/token");
    }

    /** A secret and, for a JWT, its payload and signature (base64url) on their own. */
    private static void addWithPieces(Set<String> secrets, String value) {
        if (value == null) {
            return;
        }
        secrets.add(value);
        String[] parts = value.split("\\.");
        if (parts.length == 3) {
            // the header is left out: it is the same in every token one key signs, other runs' included
            for (int i = 1; i < 3; i++) {
                if (parts[i].length() >= 16) {
                    secrets.add(parts[i]);
                }
            }
        }
    }

    @Test
    void noRedisValueHoldsATokenACodeOrAnUpstreamIdTokenInClear() {
        Set<String> secrets = new LinkedHashSet<>();
        Logins.Login login = Logins.login("at-rest-1");
        secrets.add(login.sessionCookie());
        secrets.add(login.code());
        JsonPath first = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
        JsonPath second = refresh(first.getString("refresh_token")).then().statusCode(200).extract().jsonPath();
        given().auth().oauth2(second.getString("access_token")).get("/userinfo").then().statusCode(200).body("sub", equalTo("at-rest-1"));
        // a code that stays unredeemed (it holds the token service's tokens for that login)
        Response silent = Logins.authorize(Logins.APP, Logins.REDIRECT, Logins.SCOPE, Logins.verifier(), "st-at-rest", "n-at-rest",
                login.sessionCookie(), Map.of("prompt", "none"));
        String unredeemed = Forms.query(silent.header("Location")).get("code");
        assertNotNull(unredeemed);
        secrets.add(unredeemed);
        for (JsonPath tokens : List.of(first, second)) {
            addWithPieces(secrets, tokens.getString("access_token"));
            addWithPieces(secrets, tokens.getString("refresh_token"));
            addWithPieces(secrets, tokens.getString("id_token"));
            addWithPieces(secrets, tokens.getString("upstream_id_token"));
            Map<String, Map<String, Object>> apis = tokens.getMap("access_tokens");
            if (apis != null) {
                apis.values().forEach(api -> addWithPieces(secrets, (String) api.get("access_token")));
            }
        }
        // every access and refresh token the token service handed out in this test run
        TestWorld.tokenService.issued.forEach(t -> addWithPieces(secrets, t));
        assertTrue(secrets.size() > 20);

        List<String> found = new ArrayList<>();
        KeyScanCursor<String> cursor = redis.key(String.class).scan(new KeyScanArgs().match("orch:*").count(1000));
        int scanned = 0;
        while (cursor.hasNext()) {
            for (String key : cursor.next()) {
                if (redis.key(String.class).type(key) != RedisValueType.STRING) {
                    continue;
                }
                String value = redis.value(String.class).get(key);
                if (value == null) {
                    continue;
                }
                scanned++;
                for (String secret : secrets) {
                    if (value.contains(secret) || key.contains(secret)) {
                        found.add(key + " holds " + secret.substring(0, Math.min(12, secret.length())) + "…");
                    }
                }
            }
        }
        assertTrue(scanned >= 8, "the flows above wrote records: " + scanned);
        assertTrue(found.isEmpty(), "bearer credentials in clear in Redis: " + found);

        // the refresh families in PostgreSQL: every row, as text, other runs' included
        int rows = 0;
        for (String table : List.of("orchestrator_refresh_family", "orchestrator_refresh_token")) {
            for (Row row : pool.query("SELECT row_to_json(r)::text AS text FROM " + table + " r").execute()
                    .await().atMost(Duration.ofSeconds(10))) {
                rows++;
                String text = row.getString("text");
                for (String secret : secrets) {
                    if (text.contains(secret)) {
                        found.add(table + " holds " + secret.substring(0, Math.min(12, secret.length())) + "…");
                    }
                }
            }
        }
        // this run's refresh tokens are there, as their SHA-256 only
        for (JsonPath tokens : List.of(first, second)) {
            long stored = pool.preparedQuery("SELECT count(*) AS n FROM orchestrator_refresh_token WHERE token_hash = $1")
                    .execute(Tuple.of(Hashes.sha256Hex(tokens.getString("refresh_token")))).await().atMost(Duration.ofSeconds(10))
                    .iterator().next().getLong("n");
            assertEquals(1L, stored, "a refresh token of this run is stored under its SHA-256");
        }
        assertTrue(rows >= 3, "the flows above wrote refresh rows: " + rows);
        assertTrue(found.isEmpty(), "bearer credentials in clear in PostgreSQL: " + found);
    }

    @Test
    void aSessionRecordWrittenIntoRedisLogsNobodyIn() {
        // the attacker's own, genuine session, and the cookie values he chooses for his forgeries
        Logins.Login attacker = Logins.login("at-rest-attacker");
        String genuineKey = "orch:session:" + Secrets.hash("session", attacker.sessionCookie());
        String genuine = redis.value(String.class).get(genuineKey);
        assertNotNull(genuine);
        String plainCookie = Secrets.random();
        String movedCookie = Secrets.random();
        long now = System.currentTimeMillis() / 1000;
        String upstreamIdToken = Logins.redeem(attacker.code(), attacker.verifier()).jsonPath().getString("upstream_id_token");
        Identity victim = new Identity("test-idp", TestWorld.upstream.issuer(), "at-rest-victim",
                Map.of("sub", "at-rest-victim", "email", "victim@example.com"), upstreamIdToken, now + 3600, now, null, List.of());
        // 1: a session record in plain JSON, as the orchestrator once wrote them
        redis.value(String.class).setex("orch:session:" + Secrets.hash("session", plainCookie), 600,
                Json.write(new SsoSessions.Session(victim, now)));
        // 2: a genuine sealed record moved under another cookie's key
        redis.value(String.class).setex("orch:session:" + Secrets.hash("session", movedCookie), 600, genuine);
        for (String cookie : List.of(plainCookie, movedCookie)) {
            Response silent = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "st-forged", "n-forged",
                    cookie, Map.of("prompt", "none"));
            assertEquals(302, silent.statusCode());
            Map<String, String> result = Forms.query(silent.header("Location"));
            assertEquals("login_required", result.get("error"), "a forged session logged someone in");
            assertNull(result.get("code"));
            assertEquals("st-forged", result.get("state"));
        }
        // the genuine one still works for its own browser
        Response own = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "st-own", "n-own",
                attacker.sessionCookie(), Map.of("prompt", "none"));
        assertNotNull(Forms.query(own.header("Location")).get("code"));
    }
}
