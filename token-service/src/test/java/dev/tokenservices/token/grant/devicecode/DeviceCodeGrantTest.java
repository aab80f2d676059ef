package dev.tokenservices.token.grant.devicecode;

import dev.tokenservices.shared.crypto.Hashes;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.support.Fixtures;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** RFC 8628 at the token service: device authorization, every polling outcome, refresh rotation. */
@QuarkusTest
class DeviceCodeGrantTest {

    static final String GRANT = "urn:ietf:params:oauth:grant-type:device_code";

    @Inject
    RedisDataSource redis;

    @Inject
    TokenServiceConfig config;

    record Codes(String deviceCode, String userCode) {
    }

    private Codes authorize(String clientId, String scope) {
        var request = form().formParam("client_id", clientId);
        if (scope != null) {
            request.formParam("scope", scope);
        }
        var response = request.post("/device_authorization").then().statusCode(200).extract();
        return new Codes(response.path("device_code"), response.path("user_code"));
    }

    private ValidatableResponse poll(String clientId, String deviceCode) {
        return form().formParam("client_id", clientId).formParam("grant_type", GRANT).formParam("device_code", deviceCode)
                .post("/token").then();
    }

    /** Lets the next poll through the interval check, as if the device had waited. */
    private void waited(Codes codes) {
        redis.hash(String.class).hset(DeviceCodes.recordKey(codes.deviceCode()).orElseThrow(), DeviceCodes.LAST_POLL, "0");
    }

    /** The portal's decision for Ann, MAC included. */
    private void decide(Codes codes, String decision) {
        assertTrue(new PortalDecisions(redis, config).decide(record(codes), decision, "ann-001", TestWorld.issuer.issuer(),
                "{\"email\":\"ann@example.com\"}"));
    }

    private static String record(Codes codes) {
        return DeviceCodes.recordKey(codes.deviceCode()).orElseThrow();
    }

    @Test
    void aDeviceGetsCodesAndTheRecordKeepsOnlyTheHash() {
        var response = form().formParam("client_id", "tv-app").formParam("scope", "media.play").post("/device_authorization")
                .then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("user_code", matchesPattern("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$"))
                .body("verification_uri", equalTo("http://localhost:8083/device"))
                .body("expires_in", equalTo(600))
                .body("interval", equalTo(5))
                .extract();
        String deviceCode = response.path("device_code");
        String userCode = response.path("user_code");
        assertEquals("http://localhost:8083/device?user_code=" + userCode, response.path("verification_uri_complete"));
        assertTrue(DeviceCodes.recordKey(deviceCode).isPresent(), deviceCode.length() + " characters");
        assertEquals(DeviceCodes.hashTag(userCode) + ".", deviceCode.substring(0, 5), "the device code carries its user code's hash tag");
        assertEquals(32, java.util.Base64.getUrlDecoder().decode(deviceCode.substring(5)).length, "then 256 random bits");
        Map<String, String> record = redis.hash(String.class).hgetall(DeviceCodes.recordKey(deviceCode).orElseThrow());
        assertEquals("pending", record.get(DeviceCodes.STATUS));
        assertEquals("tv-app", record.get(DeviceCodes.CLIENT_ID));
        assertEquals("media.play", record.get(DeviceCodes.SCOPE));
        assertFalse(record.containsValue(deviceCode), "the device code is never stored");
        assertEquals(Hashes.sha256Hex(deviceCode), redis.value(String.class).get(DeviceCodes.userCodeKey(userCode)));
        assertTrue(redis.key(String.class).ttl(DeviceCodes.recordKey(deviceCode).orElseThrow()) > 0);
        assertTrue(redis.key(String.class).ttl(DeviceCodes.userCodeKey(userCode)) > 0);
    }

    @Test
    void deviceAuthorizationChecksClientAndScope() {
        Fixtures.worker().post("/device_authorization").then().statusCode(400).body("error", equalTo("unauthorized_client"));
        form().formParam("client_id", "tv-app").formParam("scope", "invoices.read").post("/device_authorization")
                .then().statusCode(400).body("error", equalTo("invalid_scope"));
        form().formParam("client_id", "nobody").post("/device_authorization")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void pendingThenTooFastThenSlowDownGrowsTheInterval() {
        Codes codes = authorize("tv-app", "media.play");
        poll("tv-app", codes.deviceCode()).statusCode(400).body("error", equalTo("authorization_pending"))
                .header("Cache-Control", "no-store");
        poll("tv-app", codes.deviceCode()).statusCode(400).body("error", equalTo("slow_down"));
        assertEquals("10", redis.hash(String.class).hget(DeviceCodes.recordKey(codes.deviceCode()).orElseThrow(), DeviceCodes.INTERVAL));
    }

    @Test
    void unknownAndOtherClientsCodesAreInvalidGrant() {
        String wellFormedButUnknown = DeviceCodes.deviceCode("BCDF-GHJK", new byte[32]);
        poll("tv-app", wellFormedButUnknown).statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("the device_code is unknown, was used, or belongs to another client"));
        Codes codes = authorize("tv-app", "media.play");
        poll("kiosk", codes.deviceCode()).statusCode(400).body("error", equalTo("invalid_grant"));
        poll("tv-app", codes.deviceCode()).statusCode(400).body("error", equalTo("authorization_pending"));
    }

    @Test
    void aMalformedDeviceCodeIsInvalidGrantNeverAServerError() {
        Codes codes = authorize("tv-app", "media.play");
        String secret = codes.deviceCode().substring(5);
        for (String malformed : List.of("no-such-code", secret, "zz" + codes.deviceCode().substring(2), codes.deviceCode() + "A",
                "{x}." + secret, codes.deviceCode().replace('.', ':'), "x".repeat(5000))) {
            poll("tv-app", malformed).statusCode(400)
                    .header("Cache-Control", "no-store")
                    .body("error", equalTo("invalid_grant"))
                    .body("error_description", equalTo(
                            "the device_code is malformed; use the device_code from the device authorization response"));
        }
        poll("tv-app", codes.deviceCode()).statusCode(400).body("error", equalTo("authorization_pending"));
    }

    @Test
    void anExpiredCodeIsExpiredToken() {
        Codes codes = authorize("tv-app", "media.play");
        redis.hash(String.class).hset(DeviceCodes.recordKey(codes.deviceCode()).orElseThrow(), DeviceCodes.EXPIRES_AT,
                Long.toString(System.currentTimeMillis() / 1000 - 1));
        poll("tv-app", codes.deviceCode()).statusCode(400).body("error", equalTo("expired_token"));
    }

    @Test
    void aDeniedRequestIsAccessDenied() {
        Codes codes = authorize("tv-app", "media.play");
        decide(codes, "denied");
        poll("tv-app", codes.deviceCode()).statusCode(400).body("error", equalTo("access_denied"));
    }

    @Test
    void anApprovedRequestGivesTokensOnceDecidedByTheAuthorities() throws Exception {
        Codes codes = authorize("tv-app", "media.play mod.read mod.write");
        decide(codes, "approved");
        String token = poll("tv-app", codes.deviceCode()).statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("media.play mod.read"))
                .body("refresh_token", notNullValue())
                .extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals("ann-001", claims.getSubject());
        assertEquals(TestWorld.issuer.issuer(), claims.getStringClaim("idp"));
        assertEquals("tv-app", claims.getStringClaim("client_id"));
        JsonNode asked = new ObjectMapper().readTree(TestWorld.authorities.bodyOf("modify"));
        assertEquals(GRANT, asked.get("grant_type").asText());
        assertEquals("ann@example.com", asked.get("claims").get("email").asText());
        waited(codes);
        poll("tv-app", codes.deviceCode()).statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aClientWithoutRefreshGrantGetsNoRefreshToken() {
        Codes codes = authorize("kiosk", "media.play");
        decide(codes, "approved");
        poll("kiosk", codes.deviceCode()).statusCode(200).body("refresh_token", nullValue());
    }

    @Test
    void concurrentPollsCannotBothGetTokens() throws Exception {
        Codes codes = authorize("tv-app", "media.play");
        decide(codes, "approved");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Callable<Integer>> polls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            polls.add(() -> poll("tv-app", codes.deviceCode()).extract().statusCode());
        }
        int winners = 0;
        for (Future<Integer> f : pool.invokeAll(polls)) {
            winners += f.get() == 200 ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, winners, "exactly one poll receives the tokens");
    }

    // ---- approvals that the portal did not make (a write to Redis alone)

    /** Polls an approval that was forged in Redis: refused as unknown, no token, and never honoured later. */
    private void assertRefused(Codes codes) {
        poll("tv-app", codes.deviceCode()).statusCode(400)
                .body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("the device_code is unknown, was used, or belongs to another client"))
                .body("access_token", nullValue())
                .body("refresh_token", nullValue());
        assertEquals("consumed", redis.hash(String.class).hget(record(codes), DeviceCodes.STATUS),
                "the forged approval is spent: a second poll cannot retry it");
        waited(codes);
        poll("tv-app", codes.deviceCode()).statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void anApprovalWrittenStraightIntoRedisGivesNoToken() {
        Codes codes = authorize("tv-app", "media.play");
        redis.hash(String.class).hset(record(codes), Map.of(DeviceCodes.STATUS, "approved", DeviceCodes.SUBJECT, "mallory",
                DeviceCodes.IDP, TestWorld.issuer.issuer(), DeviceCodes.CLAIMS, "{}",
                DeviceCodes.DECIDED_AT, Long.toString(System.currentTimeMillis() / 1000)));
        assertRefused(codes);
    }

    @Test
    void anApprovalWithAnInventedMacGivesNoToken() {
        Codes codes = authorize("tv-app", "media.play");
        redis.hash(String.class).hset(record(codes), Map.of(DeviceCodes.STATUS, "approved", DeviceCodes.SUBJECT, "mallory",
                DeviceCodes.IDP, TestWorld.issuer.issuer(), DeviceCodes.CLAIMS, "{}", DeviceCodes.DECIDED_AT, "1700000000",
                DeviceCodes.DECISION_MAC, "q2mGQpD4sKkq0oD8ZQ7dJ5m4tYwC3b3C1H0n5a6xgGk"));
        assertRefused(codes);
    }

    @Test
    void aValidApprovalCopiedOntoAnotherDeviceGivesNoToken() {
        Codes victims = authorize("tv-app", "media.play");
        decide(victims, "approved");
        Codes attackers = authorize("tv-app", "media.play");
        Map<String, String> approved = redis.hash(String.class).hgetall(record(victims));
        for (String field : List.of(DeviceCodes.STATUS, DeviceCodes.SUBJECT, DeviceCodes.IDP, DeviceCodes.CLAIMS, DeviceCodes.DECIDED_AT,
                DeviceCodes.DECISION_MAC)) {
            redis.hash(String.class).hset(record(attackers), field, approved.get(field));
        }
        assertRefused(attackers);
        poll("tv-app", victims.deviceCode()).statusCode(200).body("access_token", notNullValue());
    }

    @Test
    void aGenuineApprovalAlteredAfterwardsGivesNoToken() {
        Codes otherUser = authorize("tv-app", "media.play");
        decide(otherUser, "approved");
        redis.hash(String.class).hset(record(otherUser), DeviceCodes.SUBJECT, "mallory");
        assertRefused(otherUser);

        Codes moreScope = authorize("tv-app", "media.play");
        decide(moreScope, "approved");
        redis.hash(String.class).hset(record(moreScope), DeviceCodes.SCOPE, "media.play mod.read");
        assertRefused(moreScope);
    }

    @Test
    void aDenialTurnedIntoAnApprovalGivesNoToken() {
        Codes codes = authorize("tv-app", "media.play");
        decide(codes, "denied");
        redis.hash(String.class).hset(record(codes), DeviceCodes.STATUS, "approved");
        assertRefused(codes);
    }

    // ---- refresh tokens

    private String refreshTokenOfApprovedDevice() {
        Codes codes = authorize("tv-app", "media.play mod.read");
        decide(codes, "approved");
        return poll("tv-app", codes.deviceCode()).statusCode(200).extract().path("refresh_token");
    }

    private ValidatableResponse refresh(String refreshToken, String... more) {
        var request = form().formParam("client_id", "tv-app").formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refreshToken);
        for (int i = 0; i + 1 < more.length; i += 2) {
            request.formParam(more[i], more[i + 1]);
        }
        return request.post("/token").then();
    }

    @Test
    void refreshRotatesAndReuseRevokesTheFamily() throws Exception {
        String first = refreshTokenOfApprovedDevice();
        var rotated = refresh(first).statusCode(200).body("scope", equalTo("media.play mod.read")).extract();
        String second = rotated.path("refresh_token");
        assertFalse(first.equals(second));
        assertEquals("ann-001", verify(rotated.path("access_token")).getSubject());
        refresh(first).statusCode(400).body("error", equalTo("invalid_grant"));
        // the replay revoked the family: the legitimate newest token is dead too
        refresh(second).statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void refreshCanOnlyNarrow() {
        String token = refreshTokenOfApprovedDevice();
        String next = refresh(token, "scope", "media.play").statusCode(200).body("scope", equalTo("media.play"))
                .extract().path("refresh_token");
        refresh(next, "scope", "mod.write").statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void anotherClientCannotUseTheRefreshToken() {
        String token = refreshTokenOfApprovedDevice();
        form().formParam("client_id", "kiosk").formParam("grant_type", "refresh_token").formParam("refresh_token", token)
                .post("/token").then().statusCode(400).body("error", equalTo("unauthorized_client"));
    }

    @Test
    void aRevokedRefreshTokenIsDead() {
        String token = refreshTokenOfApprovedDevice();
        form().formParam("client_id", "kiosk").formParam("token", token).post("/revoke")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        form().formParam("client_id", "tv-app").formParam("token", token).formParam("token_type_hint", "refresh_token")
                .post("/revoke").then().statusCode(200);
        refresh(token).statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void garbageRefreshTokensAreInvalidGrant() {
        refresh("nope").statusCode(400).body("error", equalTo("invalid_grant"));
        refresh("x".repeat(5000)).statusCode(400).body("error", equalTo("invalid_grant"));
    }
}
