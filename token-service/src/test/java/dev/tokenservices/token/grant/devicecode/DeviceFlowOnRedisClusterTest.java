package dev.tokenservices.token.grant.devicecode;

import dev.tokenservices.shared.crypto.Hashes;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.testsupport.LocalRedisCluster;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The device flow with the token service on a Redis Cluster of three masters
 * ({@code quarkus.redis.client-type=cluster}): the record and its user-code index land in one slot,
 * records spread over the masters, and what the portal does by user code meets what the device does
 * by device code.
 */
@QuarkusTest
@TestProfile(LocalRedisCluster.Profile.class)
class DeviceFlowOnRedisClusterTest {

    /** The client the service's own Redis client is: in cluster mode, pointed at the cluster. */
    @Inject
    RedisDataSource redis;

    @Inject
    TokenServiceConfig config;

    record Codes(String deviceCode, String userCode) {
    }

    private Codes authorize() {
        var response = form().formParam("client_id", "tv-app").formParam("scope", "media.play mod.read")
                .post("/device_authorization").then().statusCode(200).extract();
        return new Codes(response.path("device_code"), response.path("user_code"));
    }

    private ValidatableResponse poll(String deviceCode) {
        return form().formParam("client_id", "tv-app").formParam("grant_type", DeviceCodeGrantTest.GRANT)
                .formParam("device_code", deviceCode).post("/token").then();
    }

    private int slot(String key) {
        return redis.execute("CLUSTER", "KEYSLOT", key).toInteger();
    }

    /** The port of the master serving a slot, from CLUSTER SLOTS. */
    private int masterOf(int slot) {
        for (Response range : redis.execute("CLUSTER", "SLOTS")) {
            if (range.get(0).toInteger() <= slot && slot <= range.get(1).toInteger()) {
                return range.get(2).get(1).toInteger();
            }
        }
        throw new AssertionError("no master serves slot " + slot);
    }

    @Test
    void theServiceRunsOnAClusterOfThreeMasters() {
        String info = redis.execute("CLUSTER", "INFO").toString();
        assertTrue(info.contains("cluster_state:ok"), info);
        assertTrue(info.contains("cluster_size:3"), info);
    }

    @Test
    void recordAndIndexShareASlotAndRecordsSpreadOverTheMasters() {
        Set<Integer> masters = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            Codes codes = authorize();
            assertTrue(codes.deviceCode().startsWith(DeviceCodes.hashTag(codes.userCode()) + "."), "the device code carries the tag");
            String record = DeviceCodes.recordKey(codes.deviceCode()).orElseThrow();
            String index = DeviceCodes.userCodeKey(codes.userCode());
            assertEquals(slot(index), slot(record), record + " and " + index);
            assertEquals("pending", redis.hash(String.class).hget(record, DeviceCodes.STATUS));
            assertEquals(Hashes.sha256Hex(codes.deviceCode()), redis.value(String.class).get(index));
            assertTrue(redis.key().ttl(record) > 0 && redis.key().ttl(index) > 0, "both keys expire");
            masters.add(masterOf(slot(record)));
        }
        assertTrue(masters.size() >= 2, "twelve records all on one master: " + masters);
    }

    @Test
    void theWholeDeviceFlowOnTheCluster() throws Exception {
        Codes codes = authorize();
        poll(codes.deviceCode()).statusCode(400).body("error", equalTo("authorization_pending"));

        // the portal's side: it knows only the user code
        String userCode = DeviceCodes.normalize(codes.userCode().toLowerCase()).orElseThrow();
        String hash = redis.value(String.class).get(DeviceCodes.userCodeKey(userCode));
        String record = DeviceCodes.recordKeyOfHash(DeviceCodes.hashTag(userCode), hash);
        Map<String, String> fields = redis.hash(String.class).hgetall(record);
        assertEquals("pending", fields.get(DeviceCodes.STATUS));
        assertEquals(userCode, fields.get(DeviceCodes.USER_CODE_FIELD));
        assertEquals("tv-app", fields.get(DeviceCodes.CLIENT_ID));
        assertTrue(new PortalDecisions(redis, config).decide(record, "approved", "ann-001", TestWorld.issuer.issuer(),
                "{\"email\":\"ann@example.com\"}"));

        // the device's side: it knows only the device code (and has waited its interval)
        assertEquals(record, DeviceCodes.recordKey(codes.deviceCode()).orElseThrow(), "both sides name the same record");
        redis.hash(String.class).hset(record, DeviceCodes.LAST_POLL, "0");
        String token = poll(codes.deviceCode()).statusCode(200)
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("media.play mod.read"))
                .body("refresh_token", notNullValue())
                .extract().path("access_token");
        assertEquals("ann-001", verify(token).getSubject());
        assertEquals("consumed", redis.hash(String.class).hget(record, DeviceCodes.STATUS));
        redis.hash(String.class).hset(record, DeviceCodes.LAST_POLL, "0");
        poll(codes.deviceCode()).statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aDeniedRequestIsAccessDeniedOnTheClusterToo() {
        Codes codes = authorize();
        String record = DeviceCodes.recordKeyOfHash(DeviceCodes.hashTag(codes.userCode()),
                redis.value(String.class).get(DeviceCodes.userCodeKey(codes.userCode())));
        assertTrue(new PortalDecisions(redis, config).decide(record, "denied", "ann-001", TestWorld.issuer.issuer(), "{}"));
        poll(codes.deviceCode()).statusCode(400).body("error", equalTo("access_denied"));
    }

    @Test
    void aMalformedDeviceCodeIsInvalidGrant() {
        Codes codes = authorize();
        for (String malformed : List.of("no-such-code", codes.deviceCode().substring(5), "{" + codes.deviceCode())) {
            poll(malformed).statusCode(400).body("error", equalTo("invalid_grant"))
                    .body("error_description", equalTo(
                            "the device_code is malformed; use the device_code from the device authorization response"));
        }
        assertNotEquals(codes.deviceCode(), DeviceCodes.deviceCode(codes.userCode(), new byte[32]));
        poll(DeviceCodes.deviceCode(codes.userCode(), new byte[32])).statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("the device_code is unknown, was used, or belongs to another client"));
    }
}
