package dev.tokenservices.portal.web;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenservices.portal.support.DeviceRecords;
import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.usercode.WrongCodeLimiter;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Behind an ingress ({@code TS_TRUSTED_PROXIES} names it; here 127.0.0.1): users reaching the portal
 * through it are counted under the addresses it forwards, each with its own limit, so one guesser no
 * longer locks everyone out; a client cannot escape its own by adding addresses in front.
 */
@QuarkusTest
@TestProfile(UserCodeGuessingBehindAProxyTest.BehindAProxy.class)
class UserCodeGuessingBehindAProxyTest {

    public static class BehindAProxy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("portal.trusted-proxies", "127.0.0.1/32");
        }
    }

    /** What the ingress connects from. */
    private static final String INGRESS = "127.0.0.1";

    @Inject
    RedisDataSource redis;

    /** A documentation-range address of this test's own, as the ingress would forward it. */
    private static String clientAddress() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "198.18." + random.nextInt(256) + "." + (1 + random.nextInt(254));
    }

    private static void wrongCode(String forwardedFor, int expectedStatus) {
        new PortalBrowser(INGRESS).enterCode(DeviceRecords.randomUserCode(), Map.of("X-Forwarded-For", forwardedFor))
                .then().statusCode(expectedStatus);
    }

    @Test
    void usersBehindTheIngressHaveSeparateLimits() {
        String guesser = clientAddress();
        String neighbour = clientAddress();
        for (int i = 0; i < 20; i++) {
            wrongCode(guesser, 200);
        }
        wrongCode(guesser, 429);
        new PortalBrowser(INGRESS).enterCode(DeviceRecords.randomUserCode(), Map.of("X-Forwarded-For", neighbour))
                .then().statusCode(200).body(containsString("That code is not valid"));
        String right = new DeviceRecords(redis).pending("tv-app", "media.play").userCode();
        new PortalBrowser(INGRESS).enterCode(right, Map.of("Forwarded", "for=\"" + neighbour + ":4711\""))
                .then().statusCode(303);
        assertEquals("21", redis.value(String.class).get(WrongCodeLimiter.ipKey(guesser)));
        assertEquals("1", redis.value(String.class).get(WrongCodeLimiter.ipKey(neighbour)));
    }

    @Test
    void addressesAClientPutsInFrontAreNotBelieved() {
        String guesser = clientAddress();
        for (int i = 0; i < 20; i++) {
            // the ingress appends the address it saw; what the client sent itself stands in front
            wrongCode(clientAddress() + ", " + guesser, 200);
        }
        wrongCode(clientAddress() + ", " + guesser, 429);
    }

    @Test
    void aPeerThatIsNotTheIngressIsCountedUnderItsOwnAddress() {
        PortalBrowser direct = new PortalBrowser();
        String forged = clientAddress();
        for (int i = 0; i < 20; i++) {
            direct.newSessionSameAddress().enterCode(DeviceRecords.randomUserCode(), Map.of("X-Forwarded-For", forged))
                    .then().statusCode(200);
        }
        direct.newSessionSameAddress().enterCode(DeviceRecords.randomUserCode(), Map.of("X-Forwarded-For", clientAddress()))
                .then().statusCode(429);
        assertEquals("21", redis.value(String.class).get(WrongCodeLimiter.ipKey(direct.address())));
    }
}
