package dev.tokenservices.orchestrator.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.support.FakeTokenService;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * RFC 6749 §6 {@code scope} at a refresh: equal or narrower is granted, anything else is invalid_scope,
 * refused before the refresh token is used.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class RefreshScopeTest {

    private static Response refresh(String refreshToken, String scope) {
        var request = given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refreshToken);
        if (scope != null) {
            request.formParam("scope", scope);
        }
        return request.post("/token");
    }

    private static JsonPath loggedIn(String sub) {
        Logins.Login login = Logins.login(sub);
        return Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
    }

    private static List<Map<String, String>> refreshesAtTheTokenService(int since) {
        List<Map<String, String>> all = TestWorld.tokenService.requests;
        return all.subList(since, all.size()).stream().filter(r -> "refresh_token".equals(r.get("grant_type"))).toList();
    }

    @Test
    void aNarrowerScopeGivesNarrowerTokensAndTheFamilyKeepsTheWholeGrant() throws Exception {
        JsonPath first = loggedIn("u-narrow");
        int before = TestWorld.tokenService.requests.size();
        JsonPath narrow = refresh(first.getString("refresh_token"), "openid email invoices.read").then().statusCode(200)
                .header("Cache-Control", "no-store").extract().jsonPath();
        assertEquals("openid email invoices.read", narrow.getString("scope"));
        Map<String, Object> perResource = narrow.getMap("access_tokens");
        assertEquals(Set.of(FakeTokenService.INVOICES), perResource.keySet(), "media.play was not asked for");
        assertEquals("invoices.read", narrow.getString("access_tokens.'https://api.example/invoices'.scope"));
        // only the invoices token was refreshed at the token service, asking for that resource's share
        List<Map<String, String>> refreshes = refreshesAtTheTokenService(before);
        assertEquals(1, refreshes.size());
        assertEquals("invoices.read", refreshes.get(0).get("scope"));
        // the claims of the scope values are at /userinfo (OIDC Core §5.4), for the narrower scope only
        JsonPath info = given().auth().oauth2(narrow.getString("access_token")).get("/userinfo").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("u-narrow@example.com", info.getString("email"));
        assertNull(info.get("name"), "profile was not asked for");
        assertEquals("openid email", SignedJWT.parse(narrow.getString("access_token")).getJWTClaimsSet().getClaim("scope"));
        // without scope, the next refresh has the whole grant again: media's token waited for it
        JsonPath whole = refresh(narrow.getString("refresh_token"), null).then().statusCode(200).extract().jsonPath();
        assertEquals(first.getString("scope"), whole.getString("scope"));
        assertEquals(Set.of(FakeTokenService.INVOICES, FakeTokenService.MEDIA), whole.getMap("access_tokens").keySet());
        assertNotNull(given().auth().oauth2(whole.getString("access_token")).get("/userinfo").then().statusCode(200)
                .extract().jsonPath().get("name"));
    }

    @Test
    void theSameScopeAndOneWithoutOpenidAreGranted() {
        JsonPath first = loggedIn("u-same");
        JsonPath same = refresh(first.getString("refresh_token"), first.getString("scope")).then().statusCode(200).extract().jsonPath();
        assertEquals(first.getString("scope"), same.getString("scope"));
        // openid is implied: the answer is an OIDC one, with an id_token
        JsonPath apiOnly = refresh(same.getString("refresh_token"), "media.play").then().statusCode(200).extract().jsonPath();
        assertEquals("openid media.play", apiOnly.getString("scope"));
        assertNotNull(apiOnly.getString("id_token"));
    }

    @Test
    void aScopeTheClientCannotHoldIsRefusedAndTheRefreshTokenStaysUsable() {
        JsonPath first = loggedIn("u-wider");
        int before = TestWorld.tokenService.requests.size();
        refresh(first.getString("refresh_token"), "openid invoices.read admin").then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("scope 'admin' is not one this client may hold"))
                .body("access_token", equalTo(null));
        assertTrue(refreshesAtTheTokenService(before).isEmpty());
        refresh(first.getString("refresh_token"), null).then().statusCode(200);
    }

    @Test
    void aScopeTheClientMayHoldButTheLoginWasNotGrantedIsInvalidScopeAndTheRefreshTokenStaysUsable() {
        Logins.Login login = Logins.login(Logins.APP, Logins.REDIRECT, "openid email", "u-not-granted", null);
        JsonPath first = Logins.redeem(login.code(), login.verifier()).then().statusCode(200).extract().jsonPath();
        int before = TestWorld.tokenService.requests.size();
        refresh(first.getString("refresh_token"), "openid email invoices.read").then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("scope 'invoices.read' was not granted to this login; a refresh can only narrow"))
                .body("access_token", equalTo(null));
        assertTrue(refreshesAtTheTokenService(before).isEmpty(), "nothing asked of the token service");
        // checked before the refresh token is used: the client's retry is no reuse that would end the login
        refresh(first.getString("refresh_token"), "openid email").then().statusCode(200).body("scope", equalTo("openid email"));
    }
}
