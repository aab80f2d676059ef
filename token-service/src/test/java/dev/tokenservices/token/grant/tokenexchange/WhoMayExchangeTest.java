package dev.tokenservices.token.grant.tokenexchange;

import static dev.tokenservices.token.support.Fixtures.EXCHANGER;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER_SECRET;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static dev.tokenservices.token.support.TestWorld.partner;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.token.support.TestIssuer;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

/**
 * Whose id_tokens a client may exchange. The test issuer is also the upstream IdP: its id_tokens for
 * {@code orch-upstream} are what the orchestrator receives at each login and hands every relying party
 * as {@code upstream_id_token}; only the orchestrator's client may exchange them. The partner issuer's
 * entry lists one client. A {@code jwt}-typed subject token is held to the id_token rules.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class WhoMayExchangeTest {

    static final String ORCHESTRATOR = "orchestrator";
    static final String ORCHESTRATOR_SECRET = "orchestrator-secret-0123456789abcdefgh";
    static final String PARTNER = "partner";
    static final String PARTNER_SECRET = "partner-secret-0123456789abcdefghijkl";
    static final String JWT = "urn:ietf:params:oauth:token-type:jwt";

    private static ValidatableResponse exchange(String clientId, String secret, String subjectToken, String type) {
        return form().auth().preemptive().basic(clientId, secret)
                .formParam("grant_type", TokenExchangeGrantTest.GRANT)
                .formParam("subject_token", subjectToken).formParam("subject_token_type", type)
                .formParam("scope", "acc.read")
                .post("/token").then();
    }

    private static void refused(ValidatableResponse response, String why) {
        response.statusCode(400)
                .header("Cache-Control", "no-store")
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("subject_token is not acceptable: " + why))
                .body("access_token", nullValue());
    }

    /** What the upstream IdP issues to the orchestrator at a login. */
    private static String upstreamIdToken(String sub) {
        return issuer.sign(issuer.claims(sub).audience("orch-upstream").build(), h -> { });
    }

    @Test
    void anotherClientCannotExchangeTheUpstreamIdTokenEveryRelyingPartyReceives() {
        refused(exchange(EXCHANGER, EXCHANGER_SECRET, upstreamIdToken("ann-001"), TokenExchangeGrantTest.ID_TOKEN),
                "this client may not exchange id_tokens issued to orch-upstream");
        refused(exchange(EXCHANGER, EXCHANGER_SECRET, upstreamIdToken("ann-001"), JWT),
                "this client may not exchange id_tokens issued to orch-upstream");
    }

    @Test
    void theOrchestratorExchangesItsUpstreamIdTokens() throws Exception {
        String token = exchange(ORCHESTRATOR, ORCHESTRATOR_SECRET, upstreamIdToken("ann-001"), TokenExchangeGrantTest.ID_TOKEN)
                .statusCode(200).body("scope", equalTo("acc.read")).extract().path("access_token");
        JWTClaimsSet claims = verify(token);
        assertEquals("ann-001", claims.getSubject());
        assertEquals(issuer.issuer(), claims.getStringClaim("idp"));
        assertEquals(ORCHESTRATOR, claims.getStringClaim("client_id"));
    }

    @Test
    void anEntryWithoutClientsStillServesEveryClientForItsOwnAudience() {
        // the same issuer, audience ts-test-app: trusted_issuers lists no clients
        exchange(EXCHANGER, EXCHANGER_SECRET, issuer.idToken("bob-002"), TokenExchangeGrantTest.ID_TOKEN).statusCode(200);
        exchange(ORCHESTRATOR, ORCHESTRATOR_SECRET, issuer.idToken("bob-002"), TokenExchangeGrantTest.ID_TOKEN).statusCode(200);
    }

    @Test
    void trustedIssuersClientsRestrictWhoMayExchange() {
        String partnerToken = partner.sign(partner.claims("carol-003").audience("partner-app").build(), h -> { });
        exchange(PARTNER, PARTNER_SECRET, partnerToken, TokenExchangeGrantTest.ID_TOKEN).statusCode(200);
        refused(exchange(EXCHANGER, EXCHANGER_SECRET, partnerToken, TokenExchangeGrantTest.ID_TOKEN),
                "this client may not exchange id_tokens issued to partner-app");
        refused(exchange(ORCHESTRATOR, ORCHESTRATOR_SECRET, partnerToken, TokenExchangeGrantTest.ID_TOKEN),
                "this client may not exchange id_tokens issued to partner-app");
    }

    @Test
    void aTokenWhoseAudienceNoEntryAcceptsIsStillAnAudienceError() {
        refused(exchange(ORCHESTRATOR, ORCHESTRATOR_SECRET,
                        issuer.sign(issuer.claims("ann-001").audience(TestIssuer.AUDIENCE + "-not").build(), h -> { }),
                        TokenExchangeGrantTest.ID_TOKEN),
                "aud is not an audience accepted for this issuer");
    }

    @Test
    void aJwtSubjectTokenIsHeldToTheIdTokenRules() {
        exchange(EXCHANGER, EXCHANGER_SECRET, issuer.idToken("dave-004"), JWT).statusCode(200);
        refused(exchange(EXCHANGER, EXCHANGER_SECRET, issuer.sign(issuer.claims("dave-004").issueTime(null).build(), h -> { }), JWT),
                "iat is missing");
        refused(exchange(EXCHANGER, EXCHANGER_SECRET, issuer.sign(issuer.claims("dave-004")
                        .issueTime(new java.util.Date(System.currentTimeMillis() + 600_000)).build(), h -> { }), JWT),
                "iat is in the future");
        refused(exchange(EXCHANGER, EXCHANGER_SECRET, issuer.sign(issuer.claims("dave-004").build(),
                        h -> h.type(new JOSEObjectType("at+jwt"))), JWT),
                "an access token was presented as an id_token");
        refused(exchange(EXCHANGER, EXCHANGER_SECRET, issuer.sign(issuer.claims("dave-004").build(),
                        h -> h.type(new JOSEObjectType("logout+jwt"))), TokenExchangeGrantTest.ID_TOKEN),
                "typ logout+jwt marks another kind of token than an id_token");
    }
}
