package dev.tokenservices.token.grant.devicecode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.token.support.Fixtures;
import dev.tokenservices.token.support.LoopbackClient;
import dev.tokenservices.token.support.LoopbackClient.Answer;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Anonymous device authorizations flooding Redis: a public client needs no secret, so the count per
 * client address is the only bound. Each test is a different TCP peer (127.0.0.x), so it has a fresh
 * window whatever else runs against the same Redis; 127.0.0.9 plays the trusted ingress.
 */
@QuarkusTest
@TestProfile(DeviceAuthorizationFloodTest.BehindAnIngress.class)
class DeviceAuthorizationFloodTest {

    static final String PROXY = "127.0.0.9";
    static final String PUBLIC_CLIENT = "client_id=flood-tv&scope=media.play";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The shipped limit (the rest of the suite runs with a higher one: all its devices are 127.0.0.1). */
    public static class BehindAnIngress implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ts.device.max-per-minute-per-ip", "30", "ts.trusted-proxies", PROXY + "/32");
        }
    }

    @Inject
    RedisDataSource redis;

    private final List<String> counters = new ArrayList<>();

    /** A client at {@code from}, its counter (and those of {@code alsoCounted}) reset for this test. */
    private LoopbackClient client(InetAddress from, String... alsoCounted) {
        counters.add(DeviceAuthorizationLimit.key(from.getHostAddress()));
        for (String address : alsoCounted) {
            counters.add(DeviceAuthorizationLimit.key(address));
        }
        counters.forEach(redis.key()::del);
        return new LoopbackClient(from, RestAssured.port);
    }

    @AfterEach
    void forgetCounters() {
        counters.forEach(redis.key()::del);
        counters.clear();
    }

    private static void assertSlowDown(Answer answer) throws Exception {
        assertEquals(429, answer.status(), answer.body());
        assertEquals("no-store", answer.header("Cache-Control"));
        int retryAfter = Integer.parseInt(answer.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        JsonNode body = JSON.readTree(answer.body());
        assertEquals("slow_down", body.get("error").asText());
        assertEquals("too many device authorization requests from this address; try again in " + retryAfter + " s",
                body.get("error_description").asText());
    }

    @Test
    void aParallelBurstOfFortyFromOneAddressGetsThirtyCodesAndStaysBounded() throws Exception {
        LoopbackClient attacker = client(LoopbackClient.freshPeer());
        Set<String> before = floodRecords();
        int n = 40;
        CyclicBarrier barrier = new CyclicBarrier(n);
        ExecutorService threads = Executors.newFixedThreadPool(n);
        List<CompletableFuture<Answer>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sent.add(CompletableFuture.supplyAsync(() -> {
                try {
                    barrier.await(10, TimeUnit.SECONDS);
                    return attacker.postForm("/device_authorization", PUBLIC_CLIENT, Map.of());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        List<String> deviceCodes = new ArrayList<>();
        int slowDowns = 0;
        for (CompletableFuture<Answer> f : sent) {
            Answer answer = f.get(60, TimeUnit.SECONDS);
            if (answer.status() == 200) {
                deviceCodes.add(JSON.readTree(answer.body()).get("device_code").asText());
            } else {
                assertSlowDown(answer);
                slowDowns++;
            }
        }
        threads.shutdown();
        assertEquals(30, deviceCodes.size(), "device codes handed out");
        assertEquals(10, slowDowns);

        // Redis: the 30 records (each with its user-code index) and one counter, nothing for the other 10
        String counter = DeviceAuthorizationLimit.key(attacker.address().getHostAddress());
        assertEquals("40", redis.value(String.class).get(counter));
        long ttl = redis.key().pttl(counter);
        assertTrue(ttl > 0 && ttl <= 60_000, "the counter lives one window: " + ttl + " ms");
        assertFalse(counter.contains(attacker.address().getHostAddress()), "the counter key holds only a hash of the address");
        Set<String> records = floodRecords();
        records.removeAll(before);
        assertEquals(30, records.size(), "records the flood created");
        for (String code : deviceCodes) {
            assertTrue(records.contains(DeviceCodes.recordKey(code).orElseThrow()));
        }
    }

    /** The keys of every device record of the flood's client now in Redis (earlier tests' included). */
    private Set<String> floodRecords() {
        Set<String> records = new HashSet<>();
        for (String key : redis.key().scan(new KeyScanArgs().match("ts:device:*").count(1000)).toIterable()) {
            if ("flood-tv".equals(redis.hash(String.class).hget(key, DeviceCodes.CLIENT_ID))) {
                records.add(key);
            }
        }
        return records;
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedPeerChangesNothing() throws Exception {
        LoopbackClient attacker = client(LoopbackClient.freshPeer());
        List<Integer> statuses = new ArrayList<>();
        Answer last = null;
        for (int i = 0; i < 31; i++) {
            String spoofed = "198.51.100." + (i + 1);
            last = attacker.postForm("/device_authorization", PUBLIC_CLIENT,
                    Map.of("X-Forwarded-For", spoofed, "Forwarded", "for=" + spoofed));
            statuses.add(last.status());
        }
        assertEquals(30, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
        assertSlowDown(last);
        assertEquals("31", redis.value(String.class).get(DeviceAuthorizationLimit.key(attacker.address().getHostAddress())));
        assertNull(redis.value(String.class).get(DeviceAuthorizationLimit.key("198.51.100.1")), "spoofed addresses are never counted");
    }

    @Test
    void behindTheTrustedIngressEachForwardedAddressIsCountedApart() throws Exception {
        int a = ThreadLocalRandom.current().nextInt(1, 127);
        String first = "203.0.113." + a;
        String second = "203.0.113." + (a + 127);
        LoopbackClient ingress = client(InetAddress.getByName(PROXY), first, second);
        for (int i = 0; i < 30; i++) {
            // what the client sent itself (left) is not trusted; what the ingress appended (right) is
            assertEquals(200, ingress.postForm("/device_authorization", PUBLIC_CLIENT,
                    Map.of("X-Forwarded-For", "6.6.6.6, " + first)).status());
        }
        assertSlowDown(ingress.postForm("/device_authorization", PUBLIC_CLIENT, Map.of("X-Forwarded-For", "6.6.6.6, " + first)));
        Answer other = ingress.postForm("/device_authorization", PUBLIC_CLIENT, Map.of("Forwarded", "for=\"" + second + "\""));
        assertEquals(200, other.status(), other.body());
        assertEquals("31", redis.value(String.class).get(DeviceAuthorizationLimit.key(first)));
        assertEquals("1", redis.value(String.class).get(DeviceAuthorizationLimit.key(second)));
        assertNull(redis.value(String.class).get(DeviceAuthorizationLimit.key(PROXY)), "the ingress itself is never counted");
    }

    @Test
    void authenticatedClientsAreNotCounted() throws Exception {
        LoopbackClient worker = client(LoopbackClient.freshPeer());
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (Fixtures.WORKER + ":" + Fixtures.WORKER_SECRET).getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 35; i++) {
            Answer answer = worker.postForm("/device_authorization", "", Map.of("Authorization", basic));
            assertEquals(400, answer.status(), answer.body());
            assertEquals("unauthorized_client", JSON.readTree(answer.body()).get("error").asText());
        }
        assertNull(redis.value(String.class).get(DeviceAuthorizationLimit.key(worker.address().getHostAddress())));
    }

    @Test
    void aTrustedProxyThatIsNotACidrNamesTheSetting() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DeviceAuthorizationLimit.trustedProxies(Optional.of("10.0.0.0/8, ingress.internal")));
        assertTrue(e.getMessage().startsWith("ts.trusted-proxies (TS_TRUSTED_PROXIES): 'ingress.internal'"), e.getMessage());
        assertTrue(DeviceAuthorizationLimit.trustedProxies(Optional.empty()).isEmpty());
    }
}
