package dev.tokenservices.token.packaged;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.testsupport.ManagementPort;
import dev.tokenservices.testsupport.PackagedArtifact;
import dev.tokenservices.token.support.Fixtures;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whole flows against the packaged application (the JVM build, or the native executable with
 * -Dnative): a client_credentials token whose signature verifies against /jwks with the claims of
 * RFC 9068, the token service's refusals with their RFC error codes, the device flow from the
 * device's request to its token (the approval recorded in Redis as the portal records it, MAC
 * included), and the metric naming the JCA provider that signs.
 */
@QuarkusIntegrationTest
@WithTestResource(ManagementPort.class)
class PackagedTokenFlowsIT {

    private static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

    private static Vertx vertx;
    private static RedisAPI redis;

    @BeforeAll
    static void connectRedis() throws Exception {
        vertx = Vertx.vertx();
        redis = RedisAPI.api(Redis.createClient(vertx, "redis://127.0.0.1:6379"));
    }

    @AfterAll
    static void closeRedis() throws Exception {
        redis.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static Response await(io.vertx.core.Future<Response> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClientCredentialsTokenVerifiesAgainstTheJwks() throws Exception {
        String token = given().auth().preemptive().basic(Fixtures.WORKER, System.getenv("TEST_WORKER_SECRET"))
                .formParam("grant_type", "client_credentials").formParam("scope", "invoices.read")
                .post("/token")
                .then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("invoices.read"))
                .body("expires_in", equalTo(120))
                .extract().path("access_token");
        assertEquals("at+jwt", SignedJWT.parse(token).getHeader().getType().toString());
        assertEquals("ES256", SignedJWT.parse(token).getHeader().getAlgorithm().getName());
        JWTClaimsSet claims = Fixtures.verify(token);
        assertEquals(Fixtures.ISSUER, claims.getIssuer());
        assertEquals(Fixtures.WORKER, claims.getSubject());
        assertEquals(Fixtures.WORKER, claims.getStringClaim("client_id"));
        assertEquals(List.of(Fixtures.INVOICES), claims.getAudience());
        assertEquals("invoices.read", claims.getStringClaim("scope"));
        assertTrue(claims.getJWTID() != null && !claims.getJWTID().isBlank());
        assertEquals(120, (claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()) / 1000);
    }

    @Test
    void refusalsCarryTheirErrorCodes() {
        given().auth().preemptive().basic(Fixtures.WORKER, "not-the-secret-0123456789abcdefghij")
                .formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"))
                .body("error_description", equalTo("client authentication failed"));
        given().auth().preemptive().basic(Fixtures.NARROW_WORKER, Fixtures.NARROW_WORKER_SECRET)
                .formParam("grant_type", "client_credentials").formParam("scope", "media.play invoices.read").post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("scope 'invoices.read' is not allowed for this client"));
        given().auth().preemptive().basic(Fixtures.WORKER, System.getenv("TEST_WORKER_SECRET"))
                .formParam("grant_type", "password").post("/token")
                .then().statusCode(400).body("error", equalTo("unsupported_grant_type"))
                .body("error_description", equalTo("grant_type 'password' is not supported"));
    }

    @Test
    void aDeviceGetsItsTokenOnceTheUserApproved() throws Exception {
        var authorization = Fixtures.form().formParam("client_id", "tv-app").formParam("scope", "media.play")
                .post("/device_authorization")
                .then().statusCode(200)
                .body("verification_uri", equalTo("http://localhost:8083/device"))
                .body("user_code", not(emptyOrNullString()))
                .extract();
        String deviceCode = authorization.path("device_code");
        String record = DeviceCodes.recordKey(deviceCode).orElseThrow();

        poll(deviceCode).statusCode(400).body("error", equalTo("authorization_pending"));

        assertEquals(1, approve(record, "ann-001", "https://idp.example", "{\"email\":\"ann@example.com\"}"));
        await(redis.hset(List.of(record, DeviceCodes.LAST_POLL, "0")));   // as if the device had waited its interval
        String token = poll(deviceCode).statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("media.play"))
                .body("refresh_token", not(emptyOrNullString()))
                .extract().path("access_token");
        JWTClaimsSet claims = Fixtures.verify(token);
        assertEquals("ann-001", claims.getSubject());
        assertEquals("tv-app", claims.getStringClaim("client_id"));
        assertEquals("https://idp.example", claims.getStringClaim("idp"));

        await(redis.hset(List.of(record, DeviceCodes.LAST_POLL, "0")));
        poll(deviceCode).statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void theMetricsNameTheProviderThatSigns() {
        PackagedArtifact.assertSignsWithExpectedProvider(
                given().get(ManagementPort.url("metrics")).then().statusCode(200).extract().asString());
    }

    private static io.restassured.response.ValidatableResponse poll(String deviceCode) {
        return Fixtures.form().formParam("client_id", "tv-app").formParam("grant_type", DEVICE_GRANT)
                .formParam("device_code", deviceCode).post("/token").then();
    }

    /** The portal's decision for a user: the shared decide script with its MAC, under the service's master key. */
    private static long approve(String record, String subject, String idp, String claims) throws Exception {
        RecordSeal seal = KeyEncryption.forService(Optional.ofNullable(System.getenv("TS_KEY_ENCRYPTION_KEY")), false)
                .recordSeal(DeviceCodes.DECISION_MAC_PURPOSE);
        Map<String, String> fields = new HashMap<>();
        Response all = await(redis.hgetall(record));
        for (String field : all.getKeys()) {
            fields.put(field, all.get(field).toString());
        }
        String decidedAt = Long.toString(System.currentTimeMillis() / 1000);
        String mac = seal.mac(DeviceCodes.decisionMacInput(record, fields.get(DeviceCodes.CLIENT_ID), fields.get(DeviceCodes.SCOPE),
                "approved", subject, idp, claims, decidedAt));
        return await(redis.eval(List.of(DeviceCodes.DECIDE_SCRIPT, "1", record, "approved", subject, idp, claims, decidedAt, mac)))
                .toLong();
    }
}
