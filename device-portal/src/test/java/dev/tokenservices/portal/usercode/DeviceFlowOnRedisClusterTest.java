package dev.tokenservices.portal.usercode;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.portal.support.DeviceRecords;
import dev.tokenservices.portal.support.DeviceRecords.Device;
import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.support.TestOidcProvider;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.testsupport.LocalRedisCluster;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The portal on a Redis Cluster of three masters ({@code quarkus.redis.client-type=cluster}): a record
 * created as the token service creates it is found by its user code, decided on through the login
 * and consent pages, and then polled as the token service polls; the wrong-code counters, whose keys
 * live in different slots, still count and block.
 */
@QuarkusTest
@TestProfile(DeviceFlowOnRedisClusterTest.OnRedisCluster.class)
class DeviceFlowOnRedisClusterTest {

    public static class OnRedisCluster extends LocalRedisCluster.Profile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(LocalRedisCluster.class), new TestResourceEntry(TestOidcProvider.class));
        }
    }

    /** The portal's own Redis client: in cluster mode, pointed at the cluster. */
    @Inject
    RedisDataSource redis;

    DeviceRecords records;

    @BeforeEach
    void setUp() {
        records = new DeviceRecords(redis);
    }

    private int slot(String key) {
        return redis.execute("CLUSTER", "KEYSLOT", key).toInteger();
    }


    @Test
    void thePortalRunsOnAClusterOfThreeMasters() {
        String info = redis.execute("CLUSTER", "INFO").toString();
        assertTrue(info.contains("cluster_state:ok"), info);
        assertTrue(info.contains("cluster_size:3"), info);
    }

    @Test
    void codeEntryLoginConsentAndThePollOnTheCluster() {
        Device device = records.pending("tv-app", "media.play");
        assertEquals(slot(DeviceCodes.userCodeKey(device.userCode())), slot(device.recordKey()));

        PortalBrowser browser = new PortalBrowser();
        Response entered = browser.enterCode(device.userCode().toLowerCase().replace("-", " "));
        assertEquals(303, entered.statusCode(), entered.asString());
        entered.then().header("Location", endsWith("/device/consent?user_code=" + device.userCode()));
        Response page = browser.follow(entered, Map.of("test_user", "ann"));
        page.then().statusCode(200).body(containsString("Living-room TV")).body(containsString(device.userCode()));
        browser.post("/device/consent?user_code=" + device.userCode(),
                        Map.of("decision", "approve", "csrf", PortalBrowser.csrfOf(page)))
                .then().statusCode(200).body(containsString("Device connected"));

        Map<String, String> record = records.read(device);
        assertEquals("approved", record.get(DeviceCodes.STATUS));
        assertEquals("ann-001", record.get(DeviceCodes.SUBJECT));
        // the token service's poll, by device code alone: exactly one poll receives the approval, with its MAC
        String now = Long.toString(System.currentTimeMillis());
        io.vertx.mutiny.redis.client.Response approved = redis.execute("EVAL", DeviceCodes.POLL_SCRIPT, "1",
                DeviceCodes.recordKey(device.deviceCode()).orElseThrow(), "tv-app", now);
        assertEquals("approved", approved.get(0).toString());
        assertEquals("ann-001", approved.get(2).toString());
        assertEquals(record.get(DeviceCodes.DECISION_MAC), approved.get(6).toString());
        redis.hash(String.class).hset(device.recordKey(), DeviceCodes.LAST_POLL, "0");
        assertEquals("consumed", redis.execute("EVAL", DeviceCodes.POLL_SCRIPT, "1", DeviceCodes.recordKey(device.deviceCode()).orElseThrow(),
                "tv-app", now).toString());
    }

    @Test
    void aDeniedRequestIsRecordedOnTheCluster() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        browser.post("/device/consent?user_code=" + device.userCode(), Map.of("decision", "deny", "csrf", PortalBrowser.csrfOf(page)))
                .then().statusCode(200).body(containsString("Denied"));
        assertEquals("denied", records.read(device).get(DeviceCodes.STATUS));
    }

    @Test
    void wrongCodesAreCountedAndLimitedThoughSessionAndIpLiveInDifferentSlots() {
        PortalBrowser browser = new PortalBrowser();
        String token = PortalBrowser.csrfOf(browser.get("/device"));
        String sessionKey = WrongCodeLimiter.sessionKey(browser.cookies().get("portal_csrf"));
        String ipKey = WrongCodeLimiter.ipKey(browser.address());
        for (int i = 0; i < 5 && slot(sessionKey) == slot(ipKey); i++) {
            browser = browser.newSessionSameAddress();   // one slot by chance (1 in 16384): take another session
            token = PortalBrowser.csrfOf(browser.get("/device"));
            sessionKey = WrongCodeLimiter.sessionKey(browser.cookies().get("portal_csrf"));
        }
        assertNotEquals(slot(sessionKey), slot(ipKey));

        browser.post("/device", Map.of("user_code", DeviceRecords.randomUserCode(), "csrf", token))
                .then().statusCode(200).body(containsString("That code is not valid"));
        assertEquals("1", redis.value(String.class).get(sessionKey));
        assertEquals("1", redis.value(String.class).get(ipKey));
        for (int i = 2; i <= 5; i++) {
            browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(200).body(containsString("That code is not valid"));
        }
        browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(429).body(containsString("Too many wrong codes"));
        browser.enterCode(records.pending("tv-app", "media.play").userCode()).then().statusCode(429);
    }
}
