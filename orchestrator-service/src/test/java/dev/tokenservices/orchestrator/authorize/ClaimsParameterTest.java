package dev.tokenservices.orchestrator.authorize;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.IdTokens;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code claims} request parameter (OIDC Core §5.5): claims asked for in the id_token are there,
 * those asked for at /userinfo are there beside the scopes' (§5.4), as far as the client's registered
 * scope covers them; a malformed parameter is {@code invalid_request} at the client's redirect URI.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class ClaimsParameterTest {

    private static JsonPath tokens(String scope, String sub, String claims) {
        return IdTokens.loginAndRedeem(Logins.APP, Logins.APP_SECRET, Logins.REDIRECT, scope, sub, Map.of("claims", claims))
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void claimsAskedForInTheIdTokenAreThereEssentialOrNot() throws Exception {
        JsonPath tokens = tokens("openid", "cl-1", "{\"id_token\":{\"email\":{\"essential\":true},\"name\":null,"
                + "\"phone_number\":null,\"acr\":{\"values\":[\"urn:x\"]},\"x-unknown\":null}}");
        JWTClaimsSet id = IdTokens.verified(tokens.getString("id_token"), JWSAlgorithm.RS256);
        assertEquals("cl-1@example.com", id.getClaim("email"));
        assertEquals("Test cl-1", id.getClaim("name"));
        assertNull(id.getClaim("phone_number"), "a claim the upstream did not give is left out, even requested");
        assertNull(id.getClaim("x-unknown"));
        assertNull(id.getClaim("email_verified"), "only what was asked for");
        assertEquals("urn:test:pwd", id.getClaim("acr"), "acr is the upstream's: values are not enforced");
        // /userinfo for scope openid alone: sub and idp, nothing the id_token member asked for
        given().auth().oauth2(tokens.getString("access_token")).get("/userinfo").then().statusCode(200)
                .body("sub", equalTo("cl-1")).body("email", equalTo(null)).body("name", equalTo(null));
    }

    @Test
    void claimsAskedForAtUserinfoAreAddedToTheScopesOnes() {
        JsonPath tokens = tokens("openid email", "cl-2", "{\"userinfo\":{\"name\":{\"essential\":false},\"given_name\":null}}");
        given().auth().oauth2(tokens.getString("access_token")).get("/userinfo").then().statusCode(200)
                .body("sub", equalTo("cl-2")).body("email", equalTo("cl-2@example.com")).body("email_verified", equalTo(true))
                .body("name", equalTo("Test cl-2"));
    }

    @Test
    void theClaimsRequestHoldsAtRefreshToo() throws Exception {
        JsonPath first = tokens("openid", "cl-3", "{\"id_token\":{\"email\":null},\"userinfo\":{\"name\":null}}");
        JsonPath refreshed = given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", first.getString("refresh_token")).post("/token").then().statusCode(200).extract().jsonPath();
        assertEquals("cl-3@example.com", IdTokens.verified(refreshed.getString("id_token"), JWSAlgorithm.RS256).getClaim("email"));
        given().auth().oauth2(refreshed.getString("access_token")).get("/userinfo").then().statusCode(200)
                .body("name", equalTo("Test cl-3"));
    }

    @Test
    void aClaimTheClientsScopeDoesNotCoverIsIgnored() throws Exception {
        // public-app is registered for "openid profile": no email, however it is asked for
        Logins.Login login = Logins.login("public-app", "https://public.example/cb", "openid", "cl-4", null,
                Map.of("claims", "{\"id_token\":{\"email\":{\"essential\":true},\"name\":null},\"userinfo\":{\"email\":null}}"));
        JsonPath tokens = given().formParam("grant_type", "authorization_code").formParam("client_id", "public-app")
                .formParam("code", login.code()).formParam("redirect_uri", "https://public.example/cb")
                .formParam("code_verifier", login.verifier()).post("/token").then().statusCode(200).extract().jsonPath();
        JWTClaimsSet id = IdTokens.verified(tokens.getString("id_token"), JWSAlgorithm.RS256);
        assertEquals("Test cl-4", id.getClaim("name"));
        assertNull(id.getClaim("email"));
        given().auth().oauth2(tokens.getString("access_token")).get("/userinfo").then().statusCode(200).body("email", equalTo(null));
    }

    private static Map<String, String> refused(String claims) {
        Response response = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "st-claims", "n-claims", null,
                Map.of("claims", claims));
        assertEquals(302, response.statusCode());
        Map<String, String> result = Forms.query(response.header("Location"));
        assertEquals("invalid_request", result.get("error"));
        assertEquals("st-claims", result.get("state"));
        assertNull(result.get("code"));
        return result;
    }

    @Test
    void aMalformedClaimsParameterIsInvalidRequestAtTheClient() {
        assertEquals("claims is not valid JSON", refused("{\"id_token\":").get("error_description"));
        assertEquals("claims must be a JSON object", refused("[\"email\"]").get("error_description"));
        assertEquals("claims must be a JSON object", refused("\"email\"").get("error_description"));
        assertEquals("claims.id_token must be a JSON object", refused("{\"id_token\":[\"email\"]}").get("error_description"));
        assertEquals("claims.userinfo must be a JSON object", refused("{\"userinfo\":\"email\"}").get("error_description"));
        assertEquals("each claim of claims.id_token must be null or a JSON object",
                refused("{\"id_token\":{\"email\":true}}").get("error_description"));
        assertEquals("essential in each claim of claims.userinfo must be true or false",
                refused("{\"userinfo\":{\"email\":{\"essential\":\"yes\"}}}").get("error_description"));
        assertEquals("values in each claim of claims.id_token must be an array",
                refused("{\"id_token\":{\"acr\":{\"values\":\"urn:x\"}}}").get("error_description"));
        assertEquals("claims is longer than 4096 characters",
                refused("{\"id_token\":{\"x\":\"" + "a".repeat(4100) + "\"}}").get("error_description"));
    }
}
