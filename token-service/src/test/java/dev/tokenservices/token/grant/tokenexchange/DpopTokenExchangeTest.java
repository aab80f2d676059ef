package dev.tokenservices.token.grant.tokenexchange;

import static dev.tokenservices.token.support.Fixtures.EXCHANGER;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER_SECRET;
import static dev.tokenservices.token.support.Fixtures.ISSUER;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static dev.tokenservices.token.support.Fixtures.worker;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.jwk.ECKey;
import dev.tokenservices.testsupport.DpopProofs;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * DPoP (RFC 9449) at token exchange and at the refresh of a confidential client: a proof or a
 * confidential client's {@code dpop_jkt} binds the issued token; a DPoP-bound token of ours is never
 * laundered into a bearer token or another key's; a confidential client's refresh tokens are not
 * bound, but each access token is bound to the proof sent with its refresh.
 */
@QuarkusTest
class DpopTokenExchangeTest {

    static final String TOKEN_URL = ISSUER + "/token";
    static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

    private final ECKey key = DpopProofs.ecKey();
    private final ECKey other = DpopProofs.ecKey();

    private static RequestSpecification exchanger(ECKey proofKey) {
        RequestSpecification request = form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET);
        if (proofKey != null) {
            request.header("DPoP", DpopProofs.proof(proofKey, "POST", TOKEN_URL).sign());
        }
        return request;
    }

    private static ValidatableResponse exchange(ECKey proofKey, String subjectToken, String subjectType, String... more) {
        RequestSpecification request = exchanger(proofKey).formParam("grant_type", GRANT).formParam("subject_token", subjectToken)
                .formParam("subject_token_type", subjectType).formParam("scope", "invoices.read");
        for (int i = 0; i + 1 < more.length; i += 2) {
            request.formParam(more[i], more[i + 1]);
        }
        return request.post("/token").then();
    }

    private static String jkt(String accessToken) throws Exception {
        return (String) verify(accessToken).getJSONObjectClaim("cnf").get("jkt");
    }

    /** A worker's access token bound to {@code owner}. */
    private static String boundWorkerToken(ECKey owner) {
        return worker().header("DPoP", DpopProofs.proof(owner, "POST", TOKEN_URL).sign())
                .formParam("grant_type", "client_credentials").formParam("scope", "invoices.read")
                .post("/token").then().statusCode(200).body("token_type", equalTo("DPoP")).extract().path("access_token");
    }

    @Test
    void anExchangeWithAProofIsBoundToItsKey() throws Exception {
        String token = exchange(key, issuer.idToken("ann-001"), ID_TOKEN).statusCode(200).body("token_type", equalTo("DPoP"))
                .extract().path("access_token");
        assertEquals(DpopProofs.thumbprint(key), jkt(token));
    }

    @Test
    void dpopJktFromAConfidentialClientBindsTheTokenToThatKey() throws Exception {
        String token = exchange(null, issuer.idToken("ann-001"), ID_TOKEN, "dpop_jkt", DpopProofs.thumbprint(other))
                .statusCode(200).body("token_type", equalTo("DPoP")).extract().path("access_token");
        assertEquals(DpopProofs.thumbprint(other), jkt(token));
        exchange(key, issuer.idToken("ann-001"), ID_TOKEN, "dpop_jkt", DpopProofs.thumbprint(key)).statusCode(200);
    }

    @Test
    void dpopJktMustBeAThumbprintAndAgreeWithTheProof() {
        String jkt = DpopProofs.thumbprint(key);
        for (String malformed : new String[] {"abc", jkt + "A", "+" + jkt.substring(1), jkt + "=", "x".repeat(43)}) {
            exchange(null, issuer.idToken("ann-001"), ID_TOKEN, "dpop_jkt", malformed).statusCode(400)
                    .body("error", equalTo("invalid_request")).body("error_description", containsString("43 base64url characters"));
        }
        exchange(key, issuer.idToken("ann-001"), ID_TOKEN, "dpop_jkt", DpopProofs.thumbprint(other)).statusCode(400)
                .body("error", equalTo("invalid_dpop_proof")).body("error_description", containsString("dpop_jkt"));
    }

    @Test
    void aBoundAccessTokenIsNotLaunderedThroughExchange() throws Exception {
        String bound = boundWorkerToken(key);
        exchange(null, bound, ACCESS_TOKEN).statusCode(400).body("error", equalTo("invalid_dpop_proof"))
                .body("error_description", containsString("subject_token is DPoP-bound"));
        exchange(other, bound, ACCESS_TOKEN).statusCode(400).body("error", equalTo("invalid_dpop_proof"));
        // naming its key is not proving it
        exchange(null, bound, ACCESS_TOKEN, "dpop_jkt", DpopProofs.thumbprint(key)).statusCode(400)
                .body("error", equalTo("invalid_dpop_proof"));
        String exchanged = exchange(key, bound, ACCESS_TOKEN).statusCode(200).body("token_type", equalTo("DPoP"))
                .extract().path("access_token");
        assertEquals(DpopProofs.thumbprint(key), jkt(exchanged), "the exchanged token stays bound to the same key");
    }

    @Test
    void aBearerAccessTokenExchangedWithoutAProofStaysBearer() throws Exception {
        String bearer = worker().formParam("grant_type", "client_credentials").formParam("scope", "invoices.read")
                .post("/token").then().statusCode(200).extract().path("access_token");
        String exchanged = exchange(null, bearer, ACCESS_TOKEN).statusCode(200).body("token_type", equalTo("Bearer"))
                .extract().path("access_token");
        assertNull(verify(exchanged).getClaim("cnf"));
    }

    @Test
    void aConfidentialClientsRefreshTokenIsUnboundButEachRefreshWithAProofBindsItsToken() throws Exception {
        String refresh = exchange(key, issuer.idToken("ann-001"), ID_TOKEN).statusCode(200)
                .body("refresh_token", notNullValue()).extract().path("refresh_token");
        var bearer = exchanger(null).formParam("grant_type", "refresh_token").formParam("refresh_token", refresh)
                .post("/token").then().statusCode(200).body("token_type", equalTo("Bearer")).extract();
        assertNull(verify(bearer.path("access_token")).getClaim("cnf"));
        String next = bearer.path("refresh_token");
        String bound = exchanger(other).formParam("grant_type", "refresh_token").formParam("refresh_token", next)
                .post("/token").then().statusCode(200).body("token_type", equalTo("DPoP")).extract().path("access_token");
        assertEquals(DpopProofs.thumbprint(other), jkt(bound));
    }
}
