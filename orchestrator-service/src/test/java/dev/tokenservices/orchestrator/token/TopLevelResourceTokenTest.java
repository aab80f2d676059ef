package dev.tokenservices.orchestrator.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.orchestrator.support.FakeTokenService;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.IdTokens;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.testsupport.DpopProofs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A token request (or the authorization it redeems) that names exactly one {@code resource} (RFC 8707)
 * gets that API's token as the top-level {@code access_token}, as MCP clients use it: its audience is
 * the resource, its {@code token_type}, {@code expires_in} and {@code scope} are the API token's, the
 * id_token's {@code at_hash} is over it, and it opens no /userinfo. With no resource, or several, the
 * top-level token stays the orchestrator's, for /userinfo.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class TopLevelResourceTokenTest {

    private static final String ISSUER = "http://localhost:8082";
    private static final String INVOICES = FakeTokenService.INVOICES;
    private static final String MEDIA = FakeTokenService.MEDIA;
    private static final String SCOPE = "openid email invoices.read media.play";

    private static Logins.Login login(List<String> resources, Map<String, String> extra) {
        String verifier = Logins.verifier();
        RequestSpecification request = given().redirects().follow(false).queryParam("response_type", "code")
                .queryParam("client_id", Logins.APP).queryParam("redirect_uri", Logins.REDIRECT).queryParam("scope", SCOPE)
                .queryParam("state", "top-state").queryParam("nonce", "top-nonce").queryParam("code_challenge", Forms.s256(verifier))
                .queryParam("code_challenge_method", "S256").queryParam("idp_hint", "test-idp");
        if (!resources.isEmpty()) {
            request.queryParam("resource", resources);
        }
        extra.forEach(request::queryParam);
        Response back = Logins.atUpstream(request.get("/authorize"), "top-" + UUID.randomUUID(), null);
        return new Logins.Login(verifier, "top-state", "top-nonce", back, null);
    }

    private static RequestSpecification testApp() {
        return given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET);
    }

    private static Response redeem(Logins.Login login, List<String> resources, String proof) {
        RequestSpecification request = testApp().formParam("grant_type", "authorization_code").formParam("code", login.code())
                .formParam("redirect_uri", Logins.REDIRECT).formParam("code_verifier", login.verifier());
        if (!resources.isEmpty()) {
            request.formParam("resource", resources);
        }
        if (proof != null) {
            request.header(DpopVerifier.HEADER, proof);
        }
        return request.post("/token");
    }

    private static Response refresh(String refreshToken, List<String> resources) {
        RequestSpecification request = testApp().formParam("grant_type", "refresh_token").formParam("refresh_token", refreshToken);
        if (!resources.isEmpty()) {
            request.formParam("resource", resources);
        }
        return request.post("/token");
    }

    /** The top-level token is the API's, as the access_tokens member lists it. */
    private static void assertTopLevelIs(JsonPath tokens, String resource) throws Exception {
        String top = tokens.getString("access_token");
        assertEquals(tokens.getString("access_tokens.'" + resource + "'.access_token"), top);
        assertEquals(tokens.getString("access_tokens.'" + resource + "'.token_type"), tokens.getString("token_type"));
        assertEquals(tokens.getInt("access_tokens.'" + resource + "'.expires_in"), tokens.getInt("expires_in"));
        assertEquals(tokens.getString("access_tokens.'" + resource + "'.scope"), tokens.getString("scope"));
        assertEquals(List.of(resource), JWTParser.parse(top).getJWTClaimsSet().getAudience());
        // OIDC Core §3.3.2.11: at_hash is over the access token the response carries
        JWTClaimsSet id = IdTokens.verified(tokens.getString("id_token"), JWSAlgorithm.RS256);
        assertEquals(IdTokenMinter.atHash(KeyAlgorithm.RS256, top), id.getStringClaim("at_hash"));
        // an API's token opens no /userinfo
        given().auth().oauth2(top).get("/userinfo").then().statusCode(401);
    }

    private static void assertTopLevelIsTheOrchestrators(JsonPath tokens) throws Exception {
        JWTClaimsSet claims = IdTokens.verified(tokens.getString("access_token"), JWSAlgorithm.ES256);
        assertEquals(List.of(ISSUER), claims.getAudience());
        given().auth().oauth2(tokens.getString("access_token")).get("/userinfo").then().statusCode(200);
    }

    @Test
    void anAuthorizationForOneResourceRedeemsToThatApisTokenAtTheTopLevel() throws Exception {
        JsonPath tokens = redeem(login(List.of(INVOICES), Map.of()), List.of(), null).then().statusCode(200).extract().jsonPath();
        assertTopLevelIs(tokens, INVOICES);
        assertEquals("Bearer", tokens.getString("token_type"));
        assertEquals("invoices.read", tokens.getString("scope"));
        assertEquals(List.of(INVOICES), List.copyOf(tokens.getMap("access_tokens").keySet()));
        // a refresh that names the resource again gets its new token at the top level; one that names none, the orchestrator's
        JsonPath again = refresh(tokens.getString("refresh_token"), List.of(INVOICES)).then().statusCode(200).extract().jsonPath();
        assertTopLevelIs(again, INVOICES);
        assertNotEquals(tokens.getString("access_token"), again.getString("access_token"));
        assertTopLevelIsTheOrchestrators(refresh(again.getString("refresh_token"), List.of()).then().statusCode(200).extract().jsonPath());
    }

    @Test
    void aTokenRequestNamingOneResourceGetsThatApisTokenAtTheTopLevel() throws Exception {
        Logins.Login login = login(List.of(), Map.of());
        JsonPath tokens = redeem(login, List.of(MEDIA), null).then().statusCode(200).extract().jsonPath();
        assertTopLevelIs(tokens, MEDIA);
        assertEquals("media.play", tokens.getString("scope"));
        JsonPath invoices = refresh(tokens.getString("refresh_token"), List.of(INVOICES)).then().statusCode(200).extract().jsonPath();
        assertTopLevelIs(invoices, INVOICES);
    }

    @Test
    void withoutResourceOrWithSeveralTheTopLevelTokenIsTheOrchestrators() throws Exception {
        JsonPath none = redeem(login(List.of(), Map.of()), List.of(), null).then().statusCode(200).extract().jsonPath();
        assertTopLevelIsTheOrchestrators(none);
        assertEquals(SCOPE, none.getString("scope"));
        JsonPath both = redeem(login(List.of(INVOICES, MEDIA), Map.of()), List.of(), null).then().statusCode(200).extract().jsonPath();
        assertTopLevelIsTheOrchestrators(both);
        assertEquals(2, both.getMap("access_tokens").size());
        // the token request narrows to one: that one is at the top level
        JsonPath narrowed = redeem(login(List.of(INVOICES, MEDIA), Map.of()), List.of(MEDIA), null).then().statusCode(200)
                .extract().jsonPath();
        assertTopLevelIs(narrowed, MEDIA);
    }

    @Test
    void withDpopTheTopLevelApiTokenIsBoundToTheClientsKey() throws Exception {
        ECKey key = DpopProofs.ecKey();
        String jkt = DpopProofs.thumbprint(key);
        Logins.Login login = login(List.of(INVOICES), Map.of("dpop_jkt", jkt));
        JsonPath tokens = redeem(login, List.of(), DpopProofs.proof(key, "POST", ISSUER + "/token").sign()).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("DPoP", tokens.getString("token_type"));
        assertEquals(tokens.getString("access_tokens.'" + INVOICES + "'.access_token"), tokens.getString("access_token"));
        Map<String, Object> cnf = JWTParser.parse(tokens.getString("access_token")).getJWTClaimsSet().getJSONObjectClaim("cnf");
        assertEquals(jkt, cnf.get("jkt"));
    }

    @Test
    void aResourceThatGrantedNothingIsInvalidScopeNeverAnotherAudiencesToken() {
        Logins.Login login;
        TestWorld.tokenService.mode = FakeTokenService.Mode.NOTHING_GRANTED;
        try {
            login = login(List.of(MEDIA), Map.of());
        } finally {
            TestWorld.tokenService.mode = FakeTokenService.Mode.NORMAL;
        }
        redeem(login, List.of(), null).then().statusCode(400).body("error", equalTo("invalid_scope"))
                .body("access_token", equalTo(null));
    }

    @Test
    void aReplayedCodeRevokesTheTopLevelApiToken() {
        Logins.Login login = login(List.of(INVOICES), Map.of());
        String top = redeem(login, List.of(), null).then().statusCode(200).extract().jsonPath().getString("access_token");
        redeem(login, List.of(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
        assertTrue(TestWorld.tokenService.revoked.contains(top), "the replay revoked the API token handed out at the top level");
    }
}
