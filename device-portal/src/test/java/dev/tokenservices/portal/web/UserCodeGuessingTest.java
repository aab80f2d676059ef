package dev.tokenservices.portal.web;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tokenservices.portal.support.Burst;
import dev.tokenservices.portal.support.DeviceRecords;
import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.usercode.WrongCodeLimiter;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Finding 4, tried as an attacker guessing user codes (RFC 8628 §5.1): every attempt counts before
 * its lookup, parallel ones included, 5 per browser session and 20 per client address per 10 minutes;
 * no trusted proxy here, so a forged X-Forwarded-For changes nothing. Each attacker connects from a
 * loopback address of its own (its TCP peer address at the portal).
 */
@QuarkusTest
class UserCodeGuessingTest {

    @Inject
    RedisDataSource redis;

    private static Supplier<Response> guess(PortalBrowser browser, String csrf, String code) {
        return () -> browser.post("/device", Map.of("user_code", code, "csrf", csrf));
    }

    @Test
    void aConcurrentBurstOfTwentyWrongCodesFromOneSessionHasFiveAnswered() throws Exception {
        PortalBrowser attacker = new PortalBrowser();
        String csrf = attacker.csrf();
        List<Supplier<Response>> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            burst.add(guess(attacker, csrf, DeviceRecords.randomUserCode()));
        }
        List<Response> answers = Burst.of(burst);
        assertEquals(5, Burst.notFound(answers), "at most 5 wrong codes of a session are answered 'not found'");
        assertEquals(15, Burst.tooMany(answers), "the rest are 429");
        assertEquals("20", redis.value(String.class).get(WrongCodeLimiter.sessionKey(attacker.cookies().get("portal_csrf"))),
                "every attempt was counted");
    }

    @Test
    void pastTheLimitNoCodeIsLookedUpNotEvenTheRightOneInABurst() throws Exception {
        PortalBrowser attacker = new PortalBrowser();
        String csrf = attacker.csrf();
        for (int i = 0; i < 5; i++) {
            attacker.enterCode(DeviceRecords.randomUserCode()).then().statusCode(200);
        }
        String right = new DeviceRecords(redis).pending("tv-app", "media.play").userCode();
        List<Supplier<Response>> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // half the burst carries the right code: a lookup of any of them would answer 303
            burst.add(guess(attacker, csrf, i % 2 == 0 ? right : DeviceRecords.randomUserCode()));
        }
        List<Response> answers = Burst.of(burst);
        assertEquals(20, Burst.tooMany(answers), "every attempt past the limit is 429, right or wrong: "
                + answers.stream().map(Response::statusCode).toList());
        answers.forEach(r -> assertNull(r.getHeader("Location"), "no attempt was sent on to consent"));
    }

    @Test
    void aBurstFromTwentyFiveFreshSessionsOnOneAddressHasTwentyAnswered() throws Exception {
        PortalBrowser first = new PortalBrowser();
        List<Supplier<Response>> burst = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            PortalBrowser session = first.newSessionSameAddress();   // cookies dropped: a new session each time
            burst.add(guess(session, session.csrf(), DeviceRecords.randomUserCode()));
        }
        List<Response> answers = Burst.of(burst);
        assertEquals(20, Burst.notFound(answers), "at most 20 per address, whatever the cookies");
        assertEquals(5, Burst.tooMany(answers));
    }

    @Test
    void aForgedForwardedForFromAnUntrustedPeerDoesNotEscapeTheAddressLimit() {
        PortalBrowser first = new PortalBrowser();
        for (int i = 0; i < 20; i++) {
            String spoofed = "203.0.113." + (i + 1);
            first.newSessionSameAddress().enterCode(DeviceRecords.randomUserCode(),
                            Map.of("X-Forwarded-For", spoofed, "Forwarded", "for=" + spoofed, "X-Real-IP", spoofed))
                    .then().statusCode(200).body(containsString("That code is not valid"));
        }
        first.newSessionSameAddress().enterCode(DeviceRecords.randomUserCode(), Map.of("X-Forwarded-For", "198.51.100.77"))
                .then().statusCode(429).body(containsString("Too many wrong codes"));
        assertEquals("21", redis.value(String.class).get(WrongCodeLimiter.ipKey(first.address())), "all counted under the peer");
        assertNull(redis.value(String.class).get(WrongCodeLimiter.ipKey("203.0.113.1")), "nothing under a forged address");
    }
}
