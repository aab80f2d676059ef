package dev.tokenservices.token.grant.devicecode;

import static dev.tokenservices.token.support.Fixtures.ISSUER;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.testsupport.DpopProofs;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DPoP (RFC 9449) in the device flow: the device keeps the key it proved first (at its authorization
 * request or its first poll), its tokens are bound to it, and its refresh tokens need it; a thief with
 * the device code or the refresh token and another key, or none, gets nothing.
 */
@QuarkusTest
class DpopDeviceCodeTest {

    static final String GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    static final String TOKEN_URL = ISSUER + "/token";

    @Inject
    RedisDataSource redis;

    @Inject
    TokenServiceConfig config;

    private final ECKey device = DpopProofs.ecKey();
    private final ECKey thief = DpopProofs.ecKey();

    private String authorize(ECKey key) {
        var request = form().formParam("client_id", "tv-app").formParam("scope", "media.play");
        if (key != null) {
            request.header("DPoP", DpopProofs.proof(key, "POST", ISSUER + "/device_authorization").sign());
        }
        return request.post("/device_authorization").then().statusCode(200).extract().path("device_code");
    }

    private ValidatableResponse poll(String deviceCode, ECKey key) {
        waited(deviceCode);
        var request = form().formParam("client_id", "tv-app").formParam("grant_type", GRANT).formParam("device_code", deviceCode);
        if (key != null) {
            request.header("DPoP", DpopProofs.proof(key, "POST", TOKEN_URL).sign());
        }
        return request.post("/token").then();
    }

    private ValidatableResponse refresh(String refreshToken, ECKey key) {
        var request = form().formParam("client_id", "tv-app").formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refreshToken);
        if (key != null) {
            request.header("DPoP", DpopProofs.proof(key, "POST", TOKEN_URL).sign());
        }
        return request.post("/token").then();
    }

    /** Lets the next poll through the interval check, as if the device had waited. */
    private void waited(String deviceCode) {
        redis.hash(String.class).hset(record(deviceCode), DeviceCodes.LAST_POLL, "0");
    }

    private void approve(String deviceCode) {
        assertTrue(new PortalDecisions(redis, config).decide(record(deviceCode), "approved", "ann-001", TestWorld.issuer.issuer(),
                "{\"email\":\"ann@example.com\"}"));
    }

    private static String record(String deviceCode) {
        return DeviceCodes.recordKey(deviceCode).orElseThrow();
    }

    private static void wrongKey(ValidatableResponse response) {
        response.statusCode(400).body("error", equalTo("invalid_dpop_proof"))
                .body("error_description", containsString("bound to the DPoP key the device proved first"));
    }

    @Test
    void theFirstPollsKeyIsPinnedAndTheTokensAreBoundToIt() throws Exception {
        String code = authorize(null);
        poll(code, device).statusCode(400).body("error", equalTo("authorization_pending"));
        assertEquals(DpopProofs.thumbprint(device), redis.hash(String.class).hget(record(code), DeviceCodes.DPOP_JKT));
        approve(code);
        wrongKey(poll(code, thief));
        wrongKey(poll(code, null));
        String token = poll(code, device).statusCode(200).body("token_type", equalTo("DPoP"))
                .body("refresh_token", notNullValue()).extract().path("access_token");
        assertEquals(Map.of("jkt", DpopProofs.thumbprint(device)), verify(token).getJSONObjectClaim("cnf"));
    }

    @Test
    void aKeyProvedAtTheAuthorizationRequestIsPinnedBeforeAnyPoll() {
        String code = authorize(device);
        assertEquals(DpopProofs.thumbprint(device), redis.hash(String.class).hget(record(code), DeviceCodes.DPOP_JKT));
        approve(code);
        wrongKey(poll(code, thief));
        wrongKey(poll(code, null));
        poll(code, device).statusCode(200).body("token_type", equalTo("DPoP"));
    }

    @Test
    void aWrongKeysPollLeavesThePendingCodeAsItWas() {
        String code = authorize(device);
        wrongKey(poll(code, thief));
        poll(code, device).statusCode(400).body("error", equalTo("authorization_pending"));
    }

    @Test
    void anInvalidProofAtTheAuthorizationRequestIsRefused() {
        form().formParam("client_id", "tv-app").formParam("scope", "media.play")
                .header("DPoP", DpopProofs.proof(device, "POST", TOKEN_URL).sign())
                .post("/device_authorization").then().statusCode(400).body("error", equalTo("invalid_dpop_proof"))
                .body("error_description", containsString("htu must be " + ISSUER + "/device_authorization"));
    }

    @Test
    void aDeviceWithoutDpopGetsBearerTokensAsBefore() throws Exception {
        String code = authorize(null);
        approve(code);
        String token = poll(code, null).statusCode(200).body("token_type", equalTo("Bearer")).extract().path("access_token");
        assertNull(verify(token).getClaim("cnf"));
        assertNull(redis.hash(String.class).hget(record(code), DeviceCodes.DPOP_JKT));
    }

    @Test
    void aBoundRefreshTokenRefreshesOnlyWithItsKeyAndStaysBound() throws Exception {
        String code = authorize(device);
        approve(code);
        String first = poll(code, device).statusCode(200).extract().path("refresh_token");
        var rotated = refresh(first, device).statusCode(200).body("token_type", equalTo("DPoP")).extract();
        assertEquals(DpopProofs.thumbprint(device), verify(rotated.path("access_token")).getJSONObjectClaim("cnf").get("jkt"));
        refresh(rotated.path("refresh_token"), device).statusCode(200).body("token_type", equalTo("DPoP"));
    }

    @Test
    void aStolenBoundRefreshTokenWithoutTheKeyIsInvalidGrantAndEndsTheFamily() {
        String code = authorize(device);
        approve(code);
        String stolen = poll(code, device).statusCode(200).extract().path("refresh_token");
        refresh(stolen, null).statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", containsString("bound to a DPoP key"));
        refresh(stolen, device).statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aStolenBoundRefreshTokenWithAnotherKeyIsInvalidGrant() {
        String code = authorize(device);
        approve(code);
        String stolen = poll(code, device).statusCode(200).extract().path("refresh_token");
        refresh(stolen, thief).statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", containsString("bound to a DPoP key"));
    }
}
