package dev.tokenservices.portal.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.tokenservices.portal.support.PortalBrowser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URL;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The code page and its protections, with the OIDC provider down (this profile points at a closed
 * port): the page, pre-fill and escaping, CSRF, the security headers, and a clear 503 for sign-in.
 */
@QuarkusTest
class DeviceFormTest {

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;

    static final String CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self' http://127.0.0.1:9; base-uri 'none'";

    @Test
    void formHasTheCodeFieldAndACsrfTokenBoundToAnHttpOnlyLaxCookie() {
        Response page = given().get("/device").then().statusCode(200)
                .contentType(startsWith("text/html"))
                .header("Set-Cookie", allOf(startsWith("portal_csrf="), containsString("HttpOnly"), containsString("SameSite=Lax"),
                        containsString("Path=/")))
                .body(containsString("<form id=\"code-form\" method=\"post\" action=\"/device\""))
                .body(containsString("name=\"user_code\""))
                .body(containsString("<label for=\"user_code\">"))
                .extract().response();
        String token = PortalBrowser.csrfOf(page);
        assertNotEquals(page.getCookie("portal_csrf"), token, "the form token is derived from the cookie, not a copy of it");
    }

    @Test
    void theSameBrowserKeepsItsCookieAndToken() {
        PortalBrowser browser = new PortalBrowser();
        String first = PortalBrowser.csrfOf(browser.get("/device"));
        Response again = browser.get("/device");
        assertEquals(first, PortalBrowser.csrfOf(again));
        assertEquals(null, again.getHeader("Set-Cookie"), "an existing cookie is not replaced");
    }

    @Test
    void userCodeQueryPrefillsTheFieldNormalised() {
        given().queryParam("user_code", "bcdf ghjk").get("/device").then().statusCode(200)
                .body(containsString("value=\"BCDF-GHJK\""));
        given().queryParam("user_code", "BCDF-GHJK").get("/device").then().statusCode(200)
                .body(containsString("value=\"BCDF-GHJK\""));
    }

    @Test
    void userCodeQueryIsEscaped() {
        given().queryParam("user_code", "\"><script>alert(1)</script>").get("/device").then().statusCode(200)
                .body(not(containsString("<script>")))
                .body(containsString("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
    }

    @Test
    void postWithoutCsrfTokenIsA403Page() {
        PortalBrowser browser = new PortalBrowser();
        browser.get("/device");
        Response response = browser.post("/device", Map.of("user_code", "BCDF-GHJK"));
        assertEquals(403, response.statusCode());
        response.then().contentType(startsWith("text/html")).body(containsString("This form has expired"))
                .header("Content-Security-Policy", CSP);
    }

    @Test
    void postWithAWrongCsrfTokenIsA403Page() {
        PortalBrowser browser = new PortalBrowser();
        browser.get("/device");
        browser.post("/device", Map.of("user_code", "BCDF-GHJK", "csrf", "not-the-token")).then().statusCode(403)
                .body(containsString("This form has expired"));
    }

    @Test
    void aTokenFromAnotherBrowserIsRefused() {
        String othersToken = PortalBrowser.csrfOf(new PortalBrowser().get("/device"));
        PortalBrowser browser = new PortalBrowser();
        browser.get("/device");
        browser.post("/device", Map.of("user_code", "BCDF-GHJK", "csrf", othersToken)).then().statusCode(403);
    }

    @Test
    void aTokenWithoutItsCookieIsRefused() {
        String token = PortalBrowser.csrfOf(given().get("/device"));
        given().contentType("application/x-www-form-urlencoded").formParam("user_code", "BCDF-GHJK").formParam("csrf", token)
                .post("/device").then().statusCode(403);
    }

    @Test
    void securityHeadersOnPages() {
        given().get("/device").then()
                .header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", CSP)
                .header("Referrer-Policy", "no-referrer")
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store");
        given().get("/device/login-error").then().statusCode(403)
                .header("X-Frame-Options", "DENY").header("Content-Security-Policy", CSP).header("Cache-Control", "no-store");
    }

    @Test
    void theStyleSheetIsCacheableAndFramedNowhere() {
        given().get("/portal.css").then().statusCode(200).contentType(startsWith("text/css"))
                .header("X-Frame-Options", "DENY")
                .header("Cache-Control", not(containsString("no-store")));
    }

    @Test
    void pagesUseNoInlineScriptOrStyle() {
        given().get("/device").then()
                .body(not(containsString("<script")))
                .body(not(containsString("<style")))
                .body(not(containsString("style=")))
                .body(containsString("<link rel=\"stylesheet\" href=\"/portal.css\">"));
    }

    @Test
    void consentNeedsASignInWhichIsUnavailableWhileTheProviderIsDown() {
        given().redirects().follow(false).get("/device/consent?user_code=BCDF-GHJK").then().statusCode(503)
                .contentType(startsWith("text/html"))
                .header("Retry-After", "5")
                .header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", CSP)
                .body(containsString("Sign-in is temporarily unavailable"));
    }

    @Test
    void readinessIsUpWithoutTheProvider() {
        given().get(ready).then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void aRequestJaxRsRefusesIsAPageNotJson() {
        given().contentType("application/json").body("{}").post("/device").then().statusCode(415)
                .contentType(startsWith("text/html")).body(containsString("Request not accepted"));
        given().delete("/device").then().statusCode(405).contentType(startsWith("text/html"));
    }

    @Test
    void theCsrfCookieIsNotSecureOnPlainHttp() {
        given().get("/device").then().header("Set-Cookie", not(containsString("Secure")))
                .header("Set-Cookie", matchesPattern("portal_csrf=[A-Za-z0-9_-]{43}; .*"));
        given().get("/device").then().header("Location", nullValue());
    }
}
