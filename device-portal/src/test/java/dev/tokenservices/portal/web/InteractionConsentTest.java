package dev.tokenservices.portal.web;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenservices.portal.support.DeviceRecords;
import dev.tokenservices.portal.support.DeviceRecords.Device;
import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.support.TestAuthority;
import dev.tokenservices.portal.support.TestOidcProvider;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.device.DeviceCodes;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The consent page and an API that asks the user for something first (ARCHITECTURE "What comes
 * next"), against a real authority over HTTP ({@link TestAuthority}) with a real page that sends the
 * browser back: the page lists the step with the API's message (escaped) and a link carrying a ticket
 * and return_to; coming back asks again; a ticket opens once, in its browser, for its user, in time;
 * allowing without the step approves as always; authorities that are down do not break the page.
 */
@QuarkusTest
@WithTestResource(TestOidcProvider.class)
@WithTestResource(TestAuthority.class)
class InteractionConsentTest {

    private static final Pattern LINK = Pattern.compile("<a class=\"button\" href=\"([^\"]*)\"");
    private static final Pattern TICKET = Pattern.compile("[A-Za-z0-9_-]{43}");

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "quarkus.oidc.auth-server-url")
    String provider;

    DeviceRecords records;

    @BeforeEach
    void setUp() {
        records = new DeviceRecords(redis);
        TestAuthority.SUBSCRIBED.clear();
        TestAuthority.CALLS.clear();
    }

    /** The step's link as the browser follows it (the page escapes {@code &} in the attribute). */
    private static String link(Response page) {
        Matcher m = LINK.matcher(page.asString());
        assertTrue(m.find(), "no link to the API's page: " + page.asString());
        String link = m.group(1).replace("&amp;", "&");
        assertFalse(m.find(), "one step only");
        return link;
    }

    private static Map<String, String> query(String url) {
        Map<String, String> q = new LinkedHashMap<>();
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            q.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    /** A URL of the portal (return_to names its public URL) as this test's browser reaches it. */
    private static String local(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static String metricsText(URL metrics) {
        return RestAssured.given().get(metrics).then().statusCode(200).extract().asString();
    }

    @Test
    void theConsentPageListsWhatTheApiAsksForWithItsMessageAndALinkWithATicket() {
        Device device = records.pending("tv-app", "media.play profile.read");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        page.then().statusCode(200)
                .body(containsString("<h2 id=\"interactions-title\">One more step for the rest</h2>"))
                .body(containsString("<p class=\"interaction-message\">Media &lt;b&gt;Plus&lt;/b&gt; &amp; &quot;more&quot; is needed"
                        + " to play videos.</p>"))
                .body(not(containsString("<b>Plus</b>")))
                .body(containsString("<span class=\"reason\">subscription_required</span>"))
                .body(containsString("data-resource=\"https://api.example/media\""))
                .body(containsString("Waiting for it: Play media."))
                .body(containsString("Continue at 127.0.0.1</a>"))
                .body(containsString("<li>Nothing yet: see the step below</li>"))
                // the profile API's authority is down (on_failure: drop): its scope is not available now
                .body(containsString("<ul id=\"unavailable\">\n  <li>Read your profile</li>"))
                .body(not(containsString("id=\"unchecked\"")))
                // a link is a navigation, which the CSP does not govern: form-action names no API
                .header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self' " + provider
                        + "; base-uri 'none'");

        String link = link(page);
        assertTrue(link.startsWith(TestAuthority.base + "/subscribe?user=ann-001&ticket="), link);
        Map<String, String> q = query(link);
        assertEquals(List.of("user", "ticket", "return_to"), List.copyOf(q.keySet()));
        String ticket = q.get("ticket");
        assertTrue(TICKET.matcher(ticket).matches(), ticket);
        assertEquals(TestAuthority.PORTAL_URL + "/device/consent", q.get("return_to"));
        assertTrue(link.contains("&return_to=" + "http%3A%2F%2F"), "return_to is form-encoded: " + link);

        // the authority was asked what the device's poll will ask it
        assertEquals(1, TestAuthority.CALLS.size(), TestAuthority.CALLS.toString());
        JsonNode call = TestAuthority.CALLS.get(0);
        assertEquals(TestAuthority.MEDIA, call.path("resource").asText());
        assertEquals("tv-app", call.path("client_id").asText());
        assertEquals("urn:ietf:params:oauth:grant-type:device_code", call.path("grant_type").asText());
        assertEquals("ann-001", call.path("subject").asText());
        assertEquals(provider, call.path("issuer").asText());
        assertEquals("[\"media.play\"]", call.path("requested_scopes").toString());
        assertEquals("ann@example.com", call.path("claims").path("email").asText());
        assertEquals("Ann Example", call.path("claims").path("name").asText());

        // kept under its hash, for at most 10 minutes, naming neither the ticket nor the browser's session
        String key = "ts:portal:interaction:" + Hashes.sha256Hex(ticket);
        String stored = redis.value(String.class).get(key);
        assertTrue(stored != null && stored.contains("\"resource\":\"https://api.example/media\""), String.valueOf(stored));
        assertFalse(stored.contains(ticket));
        assertFalse(stored.contains(browser.cookies().get(Csrf.COOKIE)));
        long ttl = redis.key().pttl(key);
        assertTrue(ttl > 0 && ttl <= 600_000, "ttl " + ttl);
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS), "showing the page decides nothing");
    }

    @Test
    void comingBackWithTheTicketAsksTheAuthoritiesAgainAndTheStepIsGone() {
        Device device = records.pending("tv-app", "media.play profile.read");
        PortalBrowser browser = new PortalBrowser();
        String link = link(browser.consentPage(device.userCode(), "ann"));

        // the API's page: subscribes, and sends the browser back to return_to with the ticket
        Response api = browser.get(link);
        assertEquals(303, api.statusCode());
        String back = api.getHeader("Location");
        assertTrue(back.startsWith(TestAuthority.PORTAL_URL + "/device/consent?ticket="), back);

        Response returned = browser.get(local(back));
        assertEquals(303, returned.statusCode(), returned.asString());
        assertEquals("/device/consent?user_code=" + device.userCode(), local(returned.getHeader("Location")));
        Response page = browser.get(local(returned.getHeader("Location")));
        page.then().statusCode(200)
                .body(not(containsString("id=\"interactions\"")))
                .body(containsString("<li>Play media</li>"))
                .body(containsString("<li>Read your profile</li>"));
        assertEquals(2, TestAuthority.CALLS.size(), "asked again on the way back");
        assertTrue(metricsText(metrics).contains("interactions_total{outcome=\"completed\",reason=\"subscription_required\","
                + "resource=\"https://api.example/media\"}"), "completed is counted");

        // the same ticket again: used
        Response replayed = browser.get(local(back));
        replayed.then().statusCode(400).body(containsString("This link has expired"))
                .body(containsString("Nothing was approved"));
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS));
    }

    @Test
    void decliningComesBackToThePageWhichStillListsTheStepAndIsCountedDeclined() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        String ticket = query(link(browser.consentPage(device.userCode(), "ann"))).get("ticket");
        Response returned = browser.get("/device/consent?ticket=" + ticket + "&declined=true");
        assertEquals(303, returned.statusCode(), returned.asString());
        Response page = browser.get(local(returned.getHeader("Location")));
        page.then().statusCode(200).body(containsString("id=\"interactions\""));
        assertTrue(metricsText(metrics).contains("interactions_total{outcome=\"declined\",reason=\"subscription_required\","
                + "resource=\"https://api.example/media\"}"), "declined is counted");
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS));
    }

    @Test
    void aTicketOpensOnlyInItsBrowserForItsUserOnceAndInTime() throws Exception {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser ann = new PortalBrowser();
        String ticket = query(link(ann.consentPage(device.userCode(), "ann"))).get("ticket");

        // another browser, the same user: not this browser's ticket
        PortalBrowser elsewhere = new PortalBrowser();
        elsewhere.consentPage(device.userCode(), "ann").then().statusCode(200);
        elsewhere.get("/device/consent?ticket=" + ticket).then().statusCode(400)
                .body(containsString("This link belongs to another browser")).body(containsString("Nothing was approved"));

        // the same browser session (its cookie), another user: not this user's ticket
        PortalBrowser bob = new PortalBrowser();
        bob.setCookie(Csrf.COOKIE, ann.cookies().get(Csrf.COOKIE));
        bob.consentPage(device.userCode(), "bob").then().statusCode(200);
        bob.get("/device/consent?ticket=" + ticket).then().statusCode(400)
                .body(containsString("This link belongs to another browser"));

        // refused elsewhere, it still opens where it belongs: once
        assertEquals(303, ann.get("/device/consent?ticket=" + ticket).statusCode());
        ann.get("/device/consent?ticket=" + ticket).then().statusCode(400).body(containsString("This link has expired"));

        // expired
        String late = query(link(ann.consentPage(device.userCode(), "ann"))).get("ticket");
        redis.key().pexpire("ts:portal:interaction:" + Hashes.sha256Hex(late), 1);
        Thread.sleep(50);
        ann.get("/device/consent?ticket=" + late).then().statusCode(400).body(containsString("This link has expired"));

        // never handed out, or not a ticket at all
        ann.get("/device/consent?ticket=" + "A".repeat(43)).then().statusCode(400).body(containsString("This link has expired"));
        ann.get("/device/consent?ticket=%3Cscript%3E").then().statusCode(400)
                .body(containsString("This link has expired")).body(not(containsString("<script>")));
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS), "no ticket decides anything");
        assertTrue(TestAuthority.SUBSCRIBED.isEmpty(), "no API page was visited");
    }

    @Test
    void approvingWithoutTheStepRecordsTheApprovalAsAlways() {
        Device device = records.pending("tv-app", "media.play profile.read");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        browser.post("/device/consent?user_code=" + device.userCode(),
                        Map.of("decision", "approve", "csrf", PortalBrowser.csrfOf(page)))
                .then().statusCode(200).body(containsString("Device connected"));
        Map<String, String> record = records.read(device);
        assertEquals("approved", record.get(DeviceCodes.STATUS));
        assertEquals("ann-001", record.get(DeviceCodes.SUBJECT));
        assertEquals(provider, record.get(DeviceCodes.IDP));
        assertEquals("media.play profile.read", record.get(DeviceCodes.SCOPE),
                "the request as the device made it: the poll asks the authorities and lists what waits");
    }

    @Test
    void anAuthorityDownUnderDenyLeavesThePageWorkingWithEveryScopeAndANote() {
        Device device = records.pending("invoice-box", "invoices.read media.play");
        PortalBrowser browser = new PortalBrowser();
        browser.consentPage(device.userCode(), "ann").then().statusCode(200)
                .body(containsString("<span id=\"client-name\">Invoice printer</span>"))
                .body(containsString("<li>Read your invoices</li>"))
                .body(containsString("<li>Play media</li>"))
                .body(containsString("id=\"unchecked\""))
                .body(not(containsString("id=\"interactions\"")))
                .body(containsString("name=\"decision\" value=\"approve\""));
    }
}
