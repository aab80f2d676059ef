package dev.tokenservices.portal.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.http.Cookie;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser, as far as the portal's tests need one: keeps cookies (one jar for the portal and the
 * provider, as on localhost), follows nothing by itself, and reads the CSRF token out of forms.
 */
public final class PortalBrowser {

    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]*)\"");
    private final Map<String, String> cookies = new LinkedHashMap<>();

    /** GET of a URL as a browser sends it: already encoded (Location headers, our own paths). */
    public Response get(String url) {
        return store(request().urlEncodingEnabled(false).get(url));
    }

    public Response post(String url, Map<String, String> form) {
        return store(request().contentType(ContentType.URLENC.withCharset("UTF-8")).formParams(form).post(url));
    }

    /** Follows redirects from {@code response} (at most 10) and returns the first non-redirect. */
    public Response follow(Response response) {
        return follow(response, Map.of());
    }

    /**
     * Follows redirects; a redirect to the provider's /authorize gets {@code extraAuthorizeParams}
     * added (the test provider's {@code test_user}).
     */
    public Response follow(Response response, Map<String, String> extraAuthorizeParams) {
        Response current = response;
        for (int i = 0; i < 10 && isRedirect(current); i++) {
            String location = current.getHeader("Location");
            if (location.contains("/authorize?")) {
                StringBuilder url = new StringBuilder(location);
                extraAuthorizeParams.forEach((k, v) -> url.append('&').append(k).append('=').append(v));
                location = url.toString();
            }
            current = get(location);
        }
        return current;
    }

    /** Types a code into the form at /device and submits it, as a user does (with the form's CSRF token). */
    public Response enterCode(String typed) {
        return post("/device", Map.of("user_code", typed, "csrf", csrfOf(get("/device"))));
    }

    /** Opens the consent page for a code, logging in as {@code user} at the test provider when asked to. */
    public Response consentPage(String userCode, String user) {
        return follow(get("/device/consent?user_code=" + userCode), Map.of("test_user", user));
    }

    public static boolean isRedirect(Response response) {
        return response.statusCode() >= 300 && response.statusCode() < 400 && response.getHeader("Location") != null;
    }

    public static String csrfOf(Response page) {
        Matcher m = CSRF.matcher(page.asString());
        if (!m.find()) {
            throw new AssertionError("no csrf field on the page: " + page.asString());
        }
        return m.group(1);
    }

    public Map<String, String> cookies() {
        return Map.copyOf(cookies);
    }

    public void setCookie(String name, String value) {
        cookies.put(name, value);
    }

    private RequestSpecification request() {
        return given().redirects().follow(false).cookies(cookies);
    }

    private Response store(Response response) {
        for (Cookie cookie : response.getDetailedCookies()) {
            if (cookie.getValue() == null || cookie.getValue().isEmpty() || cookie.getMaxAge() == 0) {
                cookies.remove(cookie.getName());
            } else {
                cookies.put(cookie.getName(), cookie.getValue());
            }
        }
        return response;
    }
}
