package dev.tokenservices.portal.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.portal.support.DeviceRecords;
import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.support.TestOidcProvider;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.testsupport.ManagementPort;
import dev.tokenservices.testsupport.RawHttp;
import dev.tokenservices.testsupport.RawHttp.Answer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.net.URL;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged application (target/quarkus-app, or the native executable with -Dnative), started as
 * it ships, with the test profile's Redis and registry and a small OpenID provider over real HTTP in
 * place of the orchestrator: health and metrics on the management port only, the code-entry page
 * (templates and the form's CSRF token come from the packaged build), and a whole approval: the
 * code typed, the login at the provider, the consent page, the decision written onto the device's
 * record with the MAC the token service checks; a malformed URI answered with the portal's own page
 * (in a native executable, vertx.disableURIValidation comes from the image build).
 */
@QuarkusIntegrationTest
@WithTestResource(ManagementPort.class)
@WithTestResource(TestOidcProvider.class)
class PackagedDevicePortalIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Vertx vertx;
    private static RedisAPI redis;

    @BeforeAll
    static void connectRedis() {
        vertx = Vertx.vertx();
        redis = RedisAPI.api(Redis.createClient(vertx, "redis://127.0.0.1:6379"));
    }

    @AfterAll
    static void closeRedis() throws Exception {
        redis.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void startsHealthyAndServesTheCodeEntryPage() {
        given().get(ManagementPort.url("health/live")).then().statusCode(200).body("status", equalTo("UP"));
        given().get("/device").then().statusCode(200)
                .body(containsString("name=\"user_code\""));
        given().get(ManagementPort.url("metrics")).then().statusCode(200);
    }

    @Test
    void thePublicPortServesNoOperationalEndpoint() {
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/health/live", "/q/metrics"}) {
            given().get(path).then().statusCode(404);
        }
    }

    @Test
    void aUserApprovesADeviceAndTheRecordCarriesTheDecisionAndItsMac() throws Exception {
        String userCode = DeviceRecords.randomUserCode();
        String record = pending(userCode, "tv-app", "media.play");
        PortalBrowser browser = new PortalBrowser();

        browser.enterCode(userCode.toLowerCase().replace("-", " ")).then().statusCode(303)
                .header("Location", endsWith("/device/consent?user_code=" + userCode));
        Response consent = browser.consentPage(userCode, "ann");
        consent.then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body(containsString("<span id=\"client-name\">Living-room TV</span>"))
                .body(containsString("<li>Play media</li>"))
                .body(containsString("Signed in as <strong id=\"user-name\">Ann Example</strong>"));
        assertEquals("pending", field(record, DeviceCodes.STATUS), "showing the page decides nothing");

        browser.post("/device/consent?user_code=" + userCode, Map.of("decision", "approve", "csrf", PortalBrowser.csrfOf(consent)))
                .then().statusCode(200).body(containsString("Device connected"));

        Map<String, String> fields = fields(record);
        assertEquals("approved", fields.get(DeviceCodes.STATUS));
        assertEquals("ann-001", fields.get(DeviceCodes.SUBJECT));
        JsonNode claims = JSON.readTree(fields.get(DeviceCodes.CLAIMS));
        assertEquals("ann@example.com", claims.get("email").asText());
        String expectedMac = KeyEncryption.forService(Optional.ofNullable(System.getenv("TS_KEY_ENCRYPTION_KEY")), false)
                .recordSeal(DeviceCodes.DECISION_MAC_PURPOSE)
                .mac(DeviceCodes.decisionMacInput(record, "tv-app", "media.play", "approved", fields.get(DeviceCodes.SUBJECT),
                        fields.get(DeviceCodes.IDP), fields.get(DeviceCodes.CLAIMS), fields.get(DeviceCodes.DECIDED_AT)));
        assertEquals(expectedMac, fields.get(DeviceCodes.DECISION_MAC), "the token service's check of the decision passes");

        given().get(ManagementPort.url("metrics")).then().statusCode(200)
                .body(containsString("portal_decisions_total{client_id=\"tv-app\",decision=\"approved\"}"));
    }

    @Test
    void anUnknownCodeIsSaidSoAndDecidesNothing() {
        String code = DeviceRecords.randomUserCode();
        new PortalBrowser().enterCode(code).then().statusCode(200)
                .body(containsString("That code is not valid"))
                .body(containsString("value=\"" + code + "\""));
    }

    @Test
    void aMalformedUriGetsThePortalsOwnPage() throws Exception {
        RawHttp http = new RawHttp(new URL("http://localhost:" + RestAssured.port + "/"));
        for (Answer answer : new Answer[] {http.get("/device?user_code=%zz", ""), http.get("/dev%zzice", "")}) {
            assertEquals(400, answer.status(), answer.toString());
            assertTrue(String.valueOf(answer.header("Content-Type")).startsWith("text/html"), answer.toString());
            assertTrue(answer.body().contains("Request not accepted"), answer.toString());
        }
    }

    /** A pending record as the token service creates it (the shared create script). */
    private static String pending(String userCode, String clientId, String scope) throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String deviceCode = DeviceCodes.deviceCode(userCode, secret);
        String record = DeviceCodes.recordKey(deviceCode).orElseThrow();
        List<String> args = new ArrayList<>(List.of(DeviceCodes.CREATE_SCRIPT, "2", DeviceCodes.userCodeKey(userCode), record,
                "660", Hashes.sha256Hex(deviceCode),
                DeviceCodes.STATUS, "pending", DeviceCodes.CLIENT_ID, clientId, DeviceCodes.SCOPE, scope,
                DeviceCodes.USER_CODE_FIELD, userCode, DeviceCodes.EXPIRES_AT, Long.toString(Instant.now().plusSeconds(600).getEpochSecond()),
                DeviceCodes.INTERVAL, "5", DeviceCodes.LAST_POLL, "0"));
        assertEquals(1L, await(redis.eval(args)).toLong(), "the user code is free");
        return record;
    }

    private static Map<String, String> fields(String record) throws Exception {
        var all = await(redis.hgetall(record));
        Map<String, String> fields = new HashMap<>();
        for (String name : all.getKeys()) {
            fields.put(name, all.get(name).toString());
        }
        return fields;
    }

    private static String field(String record, String name) throws Exception {
        return fields(record).get(name);
    }
}
