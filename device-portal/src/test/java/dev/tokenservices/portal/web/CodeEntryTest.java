package dev.tokenservices.portal.web;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.portal.support.DeviceRecords;
import dev.tokenservices.portal.support.DeviceRecords.Device;
import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.usercode.WrongCodeLimiter;
import dev.tokenservices.shared.device.DeviceCodes;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * POST /device against records in Redis (RFC 8628 §3.3): a pending code goes on to consent; unknown,
 * expired and used codes are said on the page; wrong codes are limited per session and per client
 * address (§5.1). Each browser connects from a loopback address of its own, so the counters are the
 * test's own.
 */
@QuarkusTest
class CodeEntryTest {

    @Inject
    RedisDataSource redis;

    DeviceRecords records;

    @BeforeEach
    void setUp() {
        records = new DeviceRecords(redis);
    }

    @Test
    void aPendingCodeContinuesToTheConsentPage() {
        Device device = records.pending("tv-app", "media.play");
        Response response = new PortalBrowser().enterCode(device.userCode());
        assertEquals(303, response.statusCode());
        response.then().header("Location", endsWith("/device/consent?user_code=" + device.userCode()));
    }

    @Test
    void caseSpacesAndDashesDoNotMatter() {
        Device device = records.pending("tv-app", "media.play");
        String c = device.userCode().replace("-", "").toLowerCase();
        String typed = " " + c.substring(0, 2) + " " + c.substring(2, 4) + "-" + c.substring(4, 6) + " " + c.substring(6) + " ";
        new PortalBrowser().enterCode(typed).then().statusCode(303)
                .header("Location", endsWith("/device/consent?user_code=" + device.userCode()));
    }

    @Test
    void anUnknownCodeIsSaidOnThePageWithTheCodeKept() {
        String code = DeviceRecords.randomUserCode();
        new PortalBrowser().enterCode(code).then().statusCode(200).contentType(startsWith("text/html"))
                .body(containsString("That code is not valid"))
                .body(containsString("role=\"alert\""))
                .body(containsString("value=\"" + code + "\""))
                .body(containsString("aria-invalid=\"true\""));
    }

    @Test
    void somethingThatCannotBeACodeIsUnknownToo() {
        new PortalBrowser().enterCode("AEIOU-12345").then().statusCode(200).body(containsString("That code is not valid"));
        new PortalBrowser().enterCode("x".repeat(500)).then().statusCode(200).body(containsString("That code is not valid"));
    }

    @Test
    void anEmptyCodeAsksForOneAndIsNotCounted() {
        PortalBrowser browser = new PortalBrowser();
        for (int i = 0; i < 8; i++) {
            browser.enterCode("  ").then().statusCode(200).body(containsString("Enter the code shown on your device"));
        }
    }

    @Test
    void anExpiredCodeIsSaidOnThePage() {
        Device device = records.create("tv-app", "media.play", "pending", Instant.now().minusSeconds(5));
        new PortalBrowser().enterCode(device.userCode()).then().statusCode(200).body(containsString("That code has expired"));
    }

    @Test
    void approvedDeniedAndConsumedCodesAreSaidToBeUsed() {
        for (String status : List.of("approved", "denied", "consumed")) {
            Device device = records.create("tv-app", "media.play", status, Instant.now().plusSeconds(300));
            new PortalBrowser().enterCode(device.userCode()).then().statusCode(200)
                    .body(containsString("That code has already been used"));
        }
    }

    @Test
    void theSixthWrongCodeOfASessionIsA429PageAndThenEvenARightCodeIs() {
        PortalBrowser browser = new PortalBrowser();
        for (int i = 1; i <= 5; i++) {
            browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(200).body(containsString("That code is not valid"));
        }
        browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(429)
                .contentType(startsWith("text/html"))
                .header("Retry-After", "600")
                .header("X-Frame-Options", "DENY")
                .body(containsString("Too many wrong codes"))
                .body(containsString("try again later"));
        Device device = records.pending("tv-app", "media.play");
        browser.enterCode(device.userCode()).then().statusCode(429);
    }

    /**
     * Contract changed with finding 4: every attempt counts before its lookup, so after five typos the
     * sixth attempt waits whatever the code (a right code answered there would be a sixth guess).
     * A right code within the limit gives its try back.
     */
    @Test
    void aRightCodeAfterFourTyposWorksAndGivesItsTryBack() {
        PortalBrowser browser = new PortalBrowser();
        for (int i = 1; i <= 4; i++) {
            browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(200);
        }
        Device device = records.pending("tv-app", "media.play");
        browser.enterCode(device.userCode()).then().statusCode(303);
        browser.enterCode(device.userCode()).then().statusCode(303);
        browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(200).body(containsString("That code is not valid"));
        browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(429);
    }

    @Test
    void afterFiveTyposEvenTheRightCodeWaits() {
        PortalBrowser browser = new PortalBrowser();
        for (int i = 1; i <= 5; i++) {
            browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(200);
        }
        browser.enterCode(records.pending("tv-app", "media.play").userCode()).then().statusCode(429)
                .body(containsString("Too many wrong codes"));
    }

    @Test
    void theTwentyFirstWrongCodeFromOneAddressIsA429PageWhateverTheSession() {
        PortalBrowser first = new PortalBrowser();
        for (int session = 0; session < 4; session++) {
            PortalBrowser browser = first.newSessionSameAddress();
            for (int i = 0; i < 5; i++) {
                browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(200);
            }
        }
        first.newSessionSameAddress().enterCode(DeviceRecords.randomUserCode()).then().statusCode(429)
                .body(containsString("Too many wrong codes"));
        first.newSessionSameAddress().enterCode(records.pending("tv-app", "media.play").userCode()).then().statusCode(429);
        new PortalBrowser().enterCode(DeviceRecords.randomUserCode()).then().statusCode(200)
                .body(containsString("That code is not valid"));
    }

    @Test
    void countersLiveInRedisWithATtlAndHoldNoCookieOrAddress() {
        PortalBrowser browser = new PortalBrowser();
        browser.enterCode(DeviceRecords.randomUserCode()).then().statusCode(200);
        String session = browser.cookies().get("portal_csrf");
        List<String> keys = List.of(WrongCodeLimiter.sessionKey(session), WrongCodeLimiter.ipKey(browser.address()));
        for (String key : keys) {
            long ttl = redis.key().ttl(key);
            assertTrue(ttl > 0 && ttl <= 600, key + " ttl " + ttl);
            assertTrue(key.startsWith("ts:portal:wrong:"), key);
            assertFalse(key.contains(browser.address()), key);
            assertFalse(key.contains(session), key);
            assertEquals("1", redis.value(String.class).get(key));
        }
    }

    @Test
    void aPendingCodeIsNotCounted() {
        PortalBrowser browser = new PortalBrowser();
        browser.enterCode(records.pending("tv-app", "media.play").userCode()).then().statusCode(303);
        assertEquals("0", redis.value(String.class).get(WrongCodeLimiter.sessionKey(browser.cookies().get("portal_csrf"))));
        assertEquals("0", redis.value(String.class).get(WrongCodeLimiter.ipKey(browser.address())));
    }

    @Test
    void theRedirectCarriesOnlyTheNormalisedCode() {
        Device device = records.pending("tv-app", "media.play");
        new PortalBrowser().enterCode(device.userCode().toLowerCase()).then().statusCode(303)
                .header("Location", not(containsString(device.deviceCode())))
                .header("Location", endsWith("user_code=" + device.userCode()));
    }
}
