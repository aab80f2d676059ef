package dev.tokenservices.orchestrator.support;

import static io.restassured.RestAssured.given;

import io.restassured.response.Response;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Drives a login through /authorize, the fake upstream and /callback, as a browser would. */
public final class Logins {

    public static final String APP = "test-app";
    public static final String APP_SECRET = "test-app-secret-0123456789abcdefghijkl";
    public static final String REDIRECT = "https://app.example/cb";
    public static final String SCOPE = "openid profile email invoices.read media.play";

    private Logins() {
    }

    /** A client's login: its PKCE verifier, state and nonce, and where it ended. */
    public record Login(String verifier, String state, String nonce, Response callback, String sessionCookie) {
        public Map<String, String> result() {
            return Forms.query(callback.header("Location"));
        }

        public String code() {
            return result().get("code");
        }
    }

    public static String verifier() {
        return (UUID.randomUUID() + "-" + UUID.randomUUID()).replace("-", "");
    }

    public static Response authorize(String clientId, String redirectUri, String scope, String verifier, String state,
            String nonce, String cookie, Map<String, String> extra) {
        var request = given().redirects().follow(false).queryParam("response_type", "code").queryParam("client_id", clientId)
                .queryParam("redirect_uri", redirectUri).queryParam("scope", scope).queryParam("state", state)
                .queryParam("nonce", nonce).queryParam("code_challenge", Forms.s256(verifier))
                .queryParam("code_challenge_method", "S256");
        if (!extra.containsKey("idp_hint")) {
            request.queryParam("idp_hint", "test-idp");
        }
        extra.forEach(request::queryParam);
        if (cookie != null) {
            request.cookie("orch_session", cookie);
        }
        return request.get("/authorize");
    }

    /** Full login at the upstream (a new session) for test-app. */
    public static Login login(String sub) {
        return login(APP, REDIRECT, SCOPE, sub, null);
    }

    public static Login login(String clientId, String redirectUri, String scope, String sub, String cookie) {
        return login(clientId, redirectUri, scope, sub, cookie, Map.of());
    }

    /** The login cookies an /authorize answer set (the browser sends them back to /callback). */
    public static Map<String, String> loginCookies(Response toUpstream) {
        Map<String, String> cookies = new HashMap<>();
        toUpstream.getDetailedCookies().asList().stream()
                .filter(c -> c.getName().startsWith("orch_login_") && !c.getValue().isEmpty())
                .forEach(c -> cookies.put(c.getName(), c.getValue()));
        return cookies;
    }

    public static Login login(String clientId, String redirectUri, String scope, String sub, String cookie,
            Map<String, String> extra) {
        String verifier = verifier();
        String state = "st-" + UUID.randomUUID();
        String nonce = "n-" + UUID.randomUUID();
        Response toUpstream = authorize(clientId, redirectUri, scope, verifier, state, nonce, cookie, extra);
        Response back = atUpstream(toUpstream, sub, cookie);
        return new Login(verifier, state, nonce, back, back.getCookie("orch_session"));
    }

    /** The user {@code sub} logs in at the upstream the /authorize answer sent the browser to; the callback's answer. */
    public static Response atUpstream(Response toUpstream, String sub, String cookie) {
        if (toUpstream.statusCode() != 302 || !toUpstream.header("Location").startsWith(TestWorld.upstream.issuer())) {
            throw new AssertionError("expected a redirect upstream, got " + toUpstream.statusCode() + " " + toUpstream.header("Location"));
        }
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String code = TestWorld.upstream.code(sub, up.get("nonce"), up.get("code_challenge"));
        var callback = given().redirects().follow(false).cookies(loginCookies(toUpstream))
                .queryParam("code", code).queryParam("state", up.get("state"));
        if (cookie != null) {
            callback.cookie("orch_session", cookie);
        }
        return callback.get("/callback");
    }

    public static Response redeem(String code, String verifier) {
        return given().auth().preemptive().basic(APP, APP_SECRET).formParam("grant_type", "authorization_code")
                .formParam("code", code).formParam("redirect_uri", REDIRECT).formParam("code_verifier", verifier).post("/token");
    }
}
