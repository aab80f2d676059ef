package dev.tokenservices.portal.support;

import static io.restassured.RestAssured.given;

import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;
import io.restassured.http.Cookie;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser, as far as the portal's tests need one: keeps cookies (one jar for the portal and the
 * provider, as on localhost), follows nothing by itself, and reads the CSRF token out of forms.
 *
 * <p>Each browser connects from a loopback address of its own ({@code 127.x.y.z}, its TCP peer
 * address at the portal) unless it is given one: the per-address wrong-code counters in the shared
 * Redis are then the test's own, and no test needs to reset anything.
 */
public final class PortalBrowser {

    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]*)\"");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A random start, then one after the other: distinct within a run, unlikely to meet another run's. */
    private static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(RANDOM.nextInt(200 * 256 * 254));

    private final Map<String, String> cookies = new ConcurrentHashMap<>();
    private final String address;
    private final RestAssuredConfig config;

    /** A new browser on an address of its own. */
    public PortalBrowser() {
        this(newAddress());
    }

    /** A new browser (no cookies) connecting from {@code address}, a loopback address. */
    public PortalBrowser(String address) {
        this.address = address;
        try {
            InetAddress local = InetAddress.getByName(address);
            this.config = RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
                    .setParam("http.route.local-address", local));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    /** A loopback address no other browser of this run uses: 127.10.0.1 to 127.209.255.254. */
    public static String newAddress() {
        int n = Math.floorMod(NEXT_ADDRESS.getAndIncrement(), 200 * 256 * 254);
        return "127." + (10 + n / (256 * 254)) + "." + (n / 254 % 256) + "." + (1 + n % 254);
    }

    /** The address this browser connects from (the portal sees it as the TCP peer). */
    public String address() {
        return address;
    }

    /** Another browser (a fresh cookie jar) on the same address: what dropping cookies gives. */
    public PortalBrowser newSessionSameAddress() {
        return new PortalBrowser(address);
    }

    /** GET of a URL as a browser sends it: already encoded (Location headers, our own paths). */
    public Response get(String url) {
        return store(request().urlEncodingEnabled(false).get(url));
    }

    public Response post(String url, Map<String, String> form) {
        return store(request().contentType(ContentType.URLENC.withCharset("UTF-8")).formParams(form).post(url));
    }

    /** POST of a body as given (no encoding by the client), as a hostile client sends it. */
    public Response postRaw(String url, String contentType, byte[] body) {
        return store(request().contentType(contentType).body(body).post(url));
    }

    /** POST with extra request headers (e.g. a forged X-Forwarded-For). */
    public Response post(String url, Map<String, String> form, Map<String, String> headers) {
        return store(request().headers(headers).contentType(ContentType.URLENC.withCharset("UTF-8")).formParams(form).post(url));
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

    /** Types a code, forging {@code headers} (e.g. X-Forwarded-For) on the POST. */
    public Response enterCode(String typed, Map<String, String> headers) {
        return post("/device", Map.of("user_code", typed, "csrf", csrfOf(get("/device"))), headers);
    }

    /** This browser's CSRF token for its forms (fetching the code page once for the cookie). */
    public String csrf() {
        return csrfOf(get("/device"));
    }

    private RequestSpecification request() {
        return given().config(config).redirects().follow(false).cookies(Map.copyOf(cookies));
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
