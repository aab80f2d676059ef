package dev.tokenservices.portal.web;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.portal.support.DeviceRecords;
import dev.tokenservices.portal.support.DeviceRecords.Device;
import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.support.TestOidcProvider;
import dev.tokenservices.portal.usercode.WrongCodeLimiter;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.jose.KeyEncryption;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Login and consent (RFC 8628 §3.3) against a small OIDC provider standing in for the orchestrator:
 * the code flow comes back to the consent page of the code, and the decision is written onto the
 * record in the shared format, with the user's identity and never a token.
 */
@QuarkusTest
@WithTestResource(TestOidcProvider.class)
class ConsentFlowTest {

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "quarkus.oidc.auth-server-url")
    String provider;

    DeviceRecords records;

    @BeforeEach
    void setUp() {
        records = new DeviceRecords(redis);
    }

    private static Response decide(PortalBrowser browser, Device device, Response consentPage, String decision) {
        return browser.post("/device/consent?user_code=" + device.userCode(),
                Map.of("decision", decision, "csrf", PortalBrowser.csrfOf(consentPage)));
    }

    @Test
    void withoutALoginTheConsentPageRedirectsToTheProviderWithPkce() {
        Device device = records.pending("tv-app", "media.play");
        Response response = new PortalBrowser().get("/device/consent?user_code=" + device.userCode());
        assertEquals(302, response.statusCode());
        String location = URLDecoder.decode(response.getHeader("Location"), StandardCharsets.UTF_8);
        assertTrue(location.startsWith(provider + "/authorize?"), location);
        assertTrue(location.contains("client_id=device-portal"), location);
        assertTrue(location.contains("response_type=code"), location);
        assertTrue(location.contains("code_challenge_method=S256"), location);
        assertTrue(location.contains("redirect_uri=http://localhost:"), location);
        assertTrue(location.contains("/callback"), location);
        assertTrue(location.matches(".*scope=openid[ +]profile[ +]email.*"), location);
        assertTrue(location.contains("nonce="), location);
        assertFalse(location.contains(device.userCode()), "the code stays in the portal's state cookie, not in the provider's URL");
        response.then().header("X-Frame-Options", "DENY").header("Referrer-Policy", "no-referrer")
                .header("Content-Security-Policy", containsString("form-action 'self' " + provider));
        assertTrue(response.getCookies().keySet().stream().anyMatch(name -> name.startsWith("q_auth_Default_portal_")),
                response.getCookies().toString());
    }

    @Test
    void afterTheLoginTheConsentPageShowsDeviceScopesCodeAndWarning() {
        Device device = records.pending("tv-app", "media.play profile.read");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        page.then().statusCode(200).contentType(startsWith("text/html"))
                .header("Cache-Control", "no-store")
                .header("X-Frame-Options", "DENY")
                .body(containsString("<span id=\"client-name\">Living-room TV</span>"))
                .body(containsString("A device is asking for access to your account"))
                .body(containsString("<p id=\"user-code\" class=\"code\">" + device.userCode() + "</p>"))
                .body(containsString("<li>Play media</li>"))
                .body(containsString("<li>Read your profile</li>"))
                .body(containsString("Signed in as <strong id=\"user-name\">Ann Example</strong>"))
                .body(containsString("<span id=\"user-email\">ann@example.com</span>"))
                .body(containsString("<form id=\"sign-out\" method=\"post\" action=\"/device/sign-out\">"))
                .body(containsString("Not you? Sign out"))
                .body(containsString("name=\"decision\" value=\"approve\""))
                .body(containsString("name=\"decision\" value=\"deny\""))
                .body(containsString("action=\"/device/consent?user_code=" + device.userCode() + "\""));
        assertTrue(browser.cookies().containsKey("q_session_Default_portal"), browser.cookies().toString());
        assertFalse(browser.cookies().containsKey("q_session"), "cookie names differ from an orchestrator's on the same host");
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS), "showing the page decides nothing");
    }

    @Test
    void approvingRecordsTheUserOnThePendingRecord() throws Exception {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        long before = Instant.now().getEpochSecond();
        decide(browser, device, page, "approve").then().statusCode(200)
                .body(containsString("Device connected"))
                .body(containsString("You can return to your TV"));
        Map<String, String> record = records.read(device);
        assertEquals("approved", record.get(DeviceCodes.STATUS));
        assertEquals("ann-001", record.get(DeviceCodes.SUBJECT));
        assertEquals(provider, record.get(DeviceCodes.IDP), "without an idp claim the id_token's issuer vouches");
        long decidedAt = Long.parseLong(record.get(DeviceCodes.DECIDED_AT));
        assertTrue(decidedAt >= before - 1 && decidedAt <= Instant.now().getEpochSecond() + 1);
        JsonNode claims = JSON.readTree(record.get(DeviceCodes.CLAIMS));
        assertEquals("ann@example.com", claims.get("email").asText());
        assertTrue(claims.get("email_verified").isBoolean() && claims.get("email_verified").asBoolean());
        assertEquals("Ann Example", claims.get("name").asText());
        assertEquals("Ann", claims.get("given_name").asText());
        assertEquals("Example", claims.get("family_name").asText());
        for (Iterator<String> names = claims.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            assertTrue(java.util.List.of("email", "email_verified", "name", "given_name", "family_name", "preferred_username")
                    .contains(name), "unexpected claim " + name);
        }
        assertFalse(record.get(DeviceCodes.CLAIMS).contains("eyJ"), "no token on the record");
        assertTrue(records.ttl(device) > 0, "the record keeps its TTL");
        io.restassured.RestAssured.given().get(metrics).then().statusCode(200)
                .body(containsString("portal_decisions_total{client_id=\"tv-app\",decision=\"approved\"}"))
                .body(not(containsString(device.userCode())));
    }

    @Test
    void denyingRecordsDenied() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        decide(browser, device, page, "deny").then().statusCode(200)
                .body(containsString("Denied"))
                .body(containsString("was not given access"));
        Map<String, String> record = records.read(device);
        assertEquals("denied", record.get(DeviceCodes.STATUS));
        assertEquals("ann-001", record.get(DeviceCodes.SUBJECT));
    }

    @Test
    void anIdpClaimNamesTheUpstreamIssuerAndNamesAreEscaped() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "bob");
        page.then().statusCode(200)
                .body(containsString("Bob &lt;b&gt;Builder&lt;/b&gt;"))
                .body(not(containsString("<b>Builder")));
        decide(browser, device, page, "approve").then().statusCode(200);
        Map<String, String> record = records.read(device);
        assertEquals("bob-002", record.get(DeviceCodes.SUBJECT));
        assertEquals(TestOidcProvider.UPSTREAM_IDP, record.get(DeviceCodes.IDP));
    }

    @Test
    void aClientWithoutANameIsShownByItsIdAndUnknownScopesAsTheyAre() {
        Device device = records.pending("nameless-box", "media.play weird.scope");
        new PortalBrowser().consentPage(device.userCode(), "ann").then().statusCode(200)
                .body(containsString("<span id=\"client-name\">nameless-box</span>"))
                .body(containsString("<li>Play media</li>"))
                .body(containsString("<li>weird.scope</li>"));
    }

    @Test
    void aConsentPostWithoutCsrfTokenIs403AndTheRecordStaysPending() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        browser.consentPage(device.userCode(), "ann").then().statusCode(200);
        browser.post("/device/consent?user_code=" + device.userCode(), Map.of("decision", "approve")).then().statusCode(403)
                .body(containsString("This form has expired"));
        browser.post("/device/consent?user_code=" + device.userCode(), Map.of("decision", "approve", "csrf", "forged"))
                .then().statusCode(403);
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS));
    }

    @Test
    void aDecisionOtherThanApproveOrDenyIsRefused() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        decide(browser, device, page, "maybe").then().statusCode(400).body(containsString("Choose Allow or Deny"));
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS));
    }

    @Test
    void aCodeDecidedMeanwhileIsSaidToBeUsed() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        records.setStatus(device, "denied");
        decide(browser, device, page, "approve").then().statusCode(200).body(containsString("That code has already been used"));
        assertEquals("denied", records.read(device).get(DeviceCodes.STATUS));
    }

    @Test
    void aCodeExpiredMeanwhileIsSaidToBeExpired() {
        Device device = records.create("tv-app", "media.play", "pending", Instant.now().plusSeconds(600));
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        redis.hash(String.class).hset(device.recordKey(), DeviceCodes.EXPIRES_AT, Long.toString(Instant.now().getEpochSecond() - 1));
        decide(browser, device, page, "approve").then().statusCode(200).body(containsString("That code has expired"));
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS));
    }

    @Test
    void anUnknownCodeOnTheConsentPageIsSaidAndCounted() {
        PortalBrowser browser = new PortalBrowser();
        browser.consentPage(DeviceRecords.randomUserCode(), "ann").then().statusCode(200)
                .body(containsString("That code is not valid"));
        assertEquals("1", redis.value(String.class).get(WrongCodeLimiter.sessionKey(browser.cookies().get("portal_csrf"))));
        assertEquals("1", redis.value(String.class).get(WrongCodeLimiter.ipKey(browser.address())));
    }

    @Test
    void aConsentPostWithoutALoginGoesToTheLoginAndDecidesNothing() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        String token = PortalBrowser.csrfOf(browser.get("/device"));
        Response response = browser.post("/device/consent?user_code=" + device.userCode(), Map.of("decision", "approve", "csrf", token));
        assertEquals(302, response.statusCode());
        assertTrue(response.getHeader("Location").startsWith(provider + "/authorize?"));
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS));
    }

    @Test
    void theWholeWayFromTheCodePage() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        String token = PortalBrowser.csrfOf(browser.get("/device?user_code=" + device.userCode()));
        Response page = browser.follow(browser.post("/device", Map.of("user_code", device.userCode(), "csrf", token)),
                Map.of("test_user", "ann"));
        page.then().statusCode(200).body(containsString("Living-room TV"));
        decide(browser, device, page, "approve").then().statusCode(200).body(containsString("Device connected"));
        assertEquals("approved", records.read(device).get(DeviceCodes.STATUS));
    }

    // ---- the decision's MAC (finding 6): what the token service checks before it issues anything

    @Test
    void anApprovalCarriesAMacOverTheDecisionThatVerifies() {
        Device device = records.pending("tv-app", "media.play profile.read");
        PortalBrowser browser = new PortalBrowser();
        decide(browser, device, browser.consentPage(device.userCode(), "ann"), "approve").then().statusCode(200);
        Map<String, String> record = records.read(device);
        String mac = record.get(DeviceCodes.DECISION_MAC);
        assertTrue(mac != null && mac.matches("[A-Za-z0-9_-]{43}"), "an HMAC-SHA256, base64url: " + mac);
        // the key both services derive from the master key (unset in tests: the built-in development key)
        RecordSeal seal = KeyEncryption.forService(Optional.empty(), true).recordSeal(DeviceCodes.DECISION_MAC_PURPOSE);
        String input = DeviceCodes.decisionMacInput(device.recordKey(), "tv-app", "media.play profile.read", "approved",
                record.get(DeviceCodes.SUBJECT), record.get(DeviceCodes.IDP), record.get(DeviceCodes.CLAIMS), record.get(DeviceCodes.DECIDED_AT));
        assertTrue(seal.verify(input, mac), "the token service's check passes for the genuine approval");
        assertFalse(seal.verify(input.replace("ann-001", "mallory"), mac), "and fails for any other subject");
        assertFalse(seal.verify(DeviceCodes.decisionMacInput(device.recordKey() + "0", "tv-app", "media.play profile.read",
                "approved", record.get(DeviceCodes.SUBJECT), record.get(DeviceCodes.IDP), record.get(DeviceCodes.CLAIMS),
                record.get(DeviceCodes.DECIDED_AT)), mac), "or another record");
        assertFalse(record.containsValue(device.deviceCode()), "the device code is not stored");
        for (String value : record.values()) {
            assertFalse(TestOidcProvider.ISSUED_ID_TOKENS.stream().anyMatch(value::contains), "no id_token on the record");
        }
    }

    // ---- who is signed in, and signing out (issue 11)

    @Test
    void signingOutEndsThePortalSessionAndTheProvidersAndTheNextCodeAsksForALoginAgain() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        page.then().statusCode(200).body(containsString("ann@example.com"));
        assertTrue(browser.cookies().containsKey("q_session_Default_portal"));

        Response signOut = browser.post("/device/sign-out", Map.of("csrf", PortalBrowser.csrfOf(page)));
        assertEquals(303, signOut.statusCode(), signOut.asString());
        String location = signOut.getHeader("Location");
        assertTrue(location.startsWith(provider + "/logout?"), location);
        assertFalse(browser.cookies().containsKey("q_session_Default_portal"), "the portal's session cookie is gone: " + browser.cookies());

        Response atProvider = browser.get(location);
        assertEquals(302, atProvider.statusCode());
        Map<String, String> logout = TestOidcProvider.lastLogout;
        assertTrue(TestOidcProvider.ISSUED_ID_TOKENS.contains(logout.get("id_token_hint")), "the login's id_token as the hint");
        assertEquals("device-portal", logout.get("client_id"));
        assertEquals("http://localhost:8083/device", logout.get("post_logout_redirect_uri"), "the registered post-logout URI");
        assertTrue(logout.get("state") != null && logout.get("state").length() >= 16, "a state");

        Response again = browser.get("/device/consent?user_code=" + device.userCode());
        assertEquals(302, again.statusCode(), "signed out: the consent page asks for a login again");
        assertTrue(again.getHeader("Location").startsWith(provider + "/authorize?"), again.getHeader("Location"));
        assertEquals("pending", records.read(device).get(DeviceCodes.STATUS), "signing out decides nothing");
    }

    @Test
    void signingOutNeedsTheFormsCsrfToken() {
        Device device = records.pending("tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();
        browser.consentPage(device.userCode(), "ann").then().statusCode(200);
        browser.post("/device/sign-out", Map.of("csrf", "forged")).then().statusCode(403).body(containsString("This form has expired"));
        browser.post("/device/sign-out", Map.of()).then().statusCode(403);
        assertTrue(browser.cookies().containsKey("q_session_Default_portal"), "still signed in");
        browser.get("/device/consent?user_code=" + device.userCode()).then().statusCode(200);
    }
}
