package dev.tokenservices.orchestrator.logout;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class LogoutTest {

    private static String idToken(Logins.Login login) {
        return Logins.redeem(login.code(), login.verifier()).jsonPath().getString("id_token");
    }

    @Test
    void logoutWithHintAndRegisteredRedirectEndsTheSessionAndEchoesState() {
        Logins.Login login = Logins.login("l-1");
        Response response = given().redirects().follow(false).cookie("orch_session", login.sessionCookie())
                .queryParam("id_token_hint", idToken(login)).queryParam("post_logout_redirect_uri", "https://app.example/bye")
                .queryParam("state", "bye-1").get("/logout");
        assertEquals(302, response.statusCode());
        assertEquals("https://app.example/bye?state=bye-1", response.header("Location"));
        assertTrue(response.header("Set-Cookie").contains("orch_session=;") && response.header("Set-Cookie").contains("Max-Age=0"),
                response.header("Set-Cookie"));
        // the session is gone: prompt=none now needs a login
        Response silent = Logins.authorize("test-app", Logins.REDIRECT, "openid", Logins.verifier(), "s", "n",
                login.sessionCookie(), Map.of("prompt", "none"));
        assertEquals("login_required", Forms.query(silent.header("Location")).get("error"));
    }

    @Test
    void logoutWithoutRedirectShowsTheSignedOutPage() {
        given().redirects().follow(false).get("/logout").then().statusCode(200).body(containsString("signed out"));
    }

    @Test
    void anUnregisteredPostLogoutRedirectIsAnErrorPage() {
        Logins.Login login = Logins.login("l-2");
        Response response = given().redirects().follow(false).queryParam("id_token_hint", idToken(login))
                .queryParam("post_logout_redirect_uri", "https://evil.example/").get("/logout");
        assertEquals(400, response.statusCode());
        assertNull(response.header("Location"));
    }

    @Test
    void aForeignIdTokenHintIsAnErrorPage() {
        Logins.Login login = Logins.login("l-3");
        String upstream = Logins.redeem(login.code(), login.verifier()).jsonPath().getString("upstream_id_token");
        given().redirects().follow(false).queryParam("id_token_hint", upstream)
                .queryParam("post_logout_redirect_uri", "https://app.example/bye").get("/logout").then().statusCode(400);
        given().redirects().follow(false).queryParam("id_token_hint", "garbage").get("/logout").then().statusCode(400);
    }

    @Test
    void aRedirectWithoutHintOrClientIsRefused() {
        given().redirects().follow(false).queryParam("post_logout_redirect_uri", "https://app.example/bye").get("/logout")
                .then().statusCode(400);
        given().redirects().follow(false).queryParam("client_id", "test-app").queryParam("post_logout_redirect_uri", "https://app.example/bye")
                .get("/logout").then().statusCode(302);
    }
}
