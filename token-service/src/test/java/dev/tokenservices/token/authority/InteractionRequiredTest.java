package dev.tokenservices.token.authority;

import static dev.tokenservices.token.support.Fixtures.EXCHANGER;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER_SECRET;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static dev.tokenservices.token.support.TestAuthorities.SUBSCRIBE_MESSAGE;
import static dev.tokenservices.token.support.TestAuthorities.SUBSCRIBE_URL;
import static dev.tokenservices.token.support.TestWorld.authorities;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.grant.devicecode.PortalDecisions;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An authority answering {@code interaction_required}, without a browser: the waiting scopes are left
 * out and the token response lists the interaction; nothing granted is {@code 400 invalid_scope} with
 * the same member; a malformed interaction is the authority's failure, under its {@code on_failure}.
 * Real HTTP authorities ({@code TestAuthorities}), a real issuer, real Redis.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class InteractionRequiredTest {

    static final String EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String DEVICE = "urn:ietf:params:oauth:grant-type:device_code";
    static final String ASK = "https://api.example/ask";

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Inject
    RedisDataSource redis;

    @Inject
    TokenServiceConfig config;

    static ValidatableResponse exchange(String subject, String scope) {
        return form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", EXCHANGE)
                .formParam("subject_token", issuer.idToken(subject))
                .formParam("subject_token_type", ID_TOKEN)
                .formParam("scope", scope)
                .post("/token").then();
    }

    @Test
    void scopesWaitingForAnInteractionAreLeftOutAndTheResponseSaysWhere() throws Exception {
        String token = exchange("ivy-001", "ask.read ask.play").statusCode(200)
                .header("Cache-Control", "no-store")
                .body("scope", equalTo("ask.read"))
                .body("interaction_required", hasSize(1))
                .body("interaction_required[0].resource", equalTo(ASK))
                .body("interaction_required[0].url", equalTo(SUBSCRIBE_URL))
                .body("interaction_required[0].reason", equalTo("subscription_required"))
                .body("interaction_required[0].message", equalTo(SUBSCRIBE_MESSAGE))
                .extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals("ask.read", claims.getStringClaim("scope"));
        assertEquals(List.of(ASK), claims.getAudience());
    }

    @Test
    void whenTheUserHasDoneItTheAuthorityAcceptsAndNothingIsListed() throws Exception {
        authorities.subscribed.add("ivy-done");
        String token = exchange("ivy-done", "ask.read ask.play").statusCode(200)
                .body("scope", equalTo("ask.read ask.play"))
                .body("interaction_required", nullValue())
                .extract().path("access_token");
        assertEquals("ask.read ask.play", verify(token).getStringClaim("scope"));
    }

    @Test
    void oneResourceAcceptsWhileAnotherAsks() throws Exception {
        String token = exchange("ivy-002", "acc.read ask.play askall.play").statusCode(200)
                .body("scope", equalTo("acc.read"))
                .body("interaction_required", hasSize(2))
                .body("interaction_required[0].resource", equalTo(ASK))
                .body("interaction_required[1].resource", equalTo("https://api.example/ask-all"))
                .body("interaction_required[1].url", equalTo("http://localhost:9/terms"))
                .body("interaction_required[1].reason", equalTo("terms_not_accepted"))
                .extract().path("access_token");
        assertEquals(List.of("https://api.example/accept"), verify(token).getAudience());
    }

    @Test
    void nothingGrantedIsInvalidScopeWithTheMember() {
        exchange("ivy-003", "ask.play askall.play").statusCode(400)
                .header("Cache-Control", "no-store")
                .body("error", equalTo("invalid_scope"))
                .body("error_description", containsString("interaction_required"))
                .body("access_token", nullValue())
                .body("interaction_required", hasSize(2))
                .body("interaction_required[0].resource", equalTo(ASK))
                .body("interaction_required[0].url", equalTo(SUBSCRIBE_URL))
                .body("interaction_required[1].resource", equalTo("https://api.example/ask-all"));
    }

    @Test
    void malformedInteractionsAreFailuresDroppedUnderDrop() {
        for (String scope : List.of("askh.play", "asku.play", "askt.play", "askg.play")) {
            exchange("ivy-004", "acc.read " + scope).statusCode(200)
                    .body("scope", equalTo("acc.read"))
                    .body("interaction_required", nullValue());
            exchange("ivy-004", scope).statusCode(400)
                    .body("error", equalTo("invalid_scope"))
                    .body("error_description", equalTo("none of the requested scopes was granted"))
                    .body("interaction_required", nullValue());
        }
        RestAssured.given().get(metrics).then()
                .body(containsString("ts_authority_failures_total{reason=\"bad_response\",resource=\"https://api.example/ask-http\"}"))
                .body(containsString("ts_authority_failures_total{reason=\"bad_response\",resource=\"https://api.example/ask-huge\"}"));
    }

    @Test
    void aMalformedInteractionUnderDenyIsTemporarilyUnavailable() {
        exchange("ivy-005", "acc.read askd.play").statusCode(503)
                .body("error", equalTo("temporarily_unavailable"))
                .body("access_token", nullValue())
                .body("interaction_required", nullValue());
    }

    @Test
    void theDevicePollAndTheRefreshCarryTheMemberAndTheRefreshGrantsOnceDone() throws Exception {
        var authorization = form().formParam("client_id", "tv-ask").formParam("scope", "ask.read ask.play")
                .post("/device_authorization").then().statusCode(200).extract();
        String deviceCode = authorization.path("device_code");
        String record = DeviceCodes.recordKey(deviceCode).orElseThrow();
        assertTrue(new PortalDecisions(redis, config).decide(record, "approved", "ivy-tv", TestWorld.issuer.issuer(),
                "{\"email\":\"ivy@example.com\"}"));
        String refresh = form().formParam("client_id", "tv-ask").formParam("grant_type", DEVICE)
                .formParam("device_code", deviceCode).post("/token").then().statusCode(200)
                .body("scope", equalTo("ask.read"))
                .body("interaction_required[0].resource", equalTo(ASK))
                .body("interaction_required[0].url", equalTo(SUBSCRIBE_URL))
                .body("refresh_token", not(nullValue()))
                .extract().path("refresh_token");

        // still not subscribed: the refresh asks again and says so again
        refresh = form().formParam("client_id", "tv-ask").formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refresh).post("/token").then().statusCode(200)
                .body("scope", equalTo("ask.read"))
                .body("interaction_required[0].reason", equalTo("subscription_required"))
                .extract().path("refresh_token");

        // subscribed: the family kept the waiting scope, so the next refresh is granted it
        authorities.subscribed.add("ivy-tv");
        String token = form().formParam("client_id", "tv-ask").formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refresh).post("/token").then().statusCode(200)
                .body("scope", equalTo("ask.read ask.play"))
                .body("interaction_required", nullValue())
                .extract().path("access_token");
        assertEquals("ask.read ask.play", verify(token).getStringClaim("scope"));
    }

    @Test
    void interactionsAskedAreCountedAndAudited() {
        exchange("ivy-006", "ask.read ask.play").statusCode(200);
        RestAssured.given().get(metrics).then()
                .body(containsString("interactions_total{outcome=\"asked\",reason=\"subscription_required\",resource=\"" + ASK + "\"}"))
                .body(containsString("ts_authority_request_seconds_count{outcome=\"interaction_required\",resource=\"" + ASK + "\"}"));
    }
}
