package dev.tokenservices.orchestrator.support;

import static io.restassured.RestAssured.given;

import io.restassured.response.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A login of a client no operator vetted (a Client ID Metadata Document, a registered client), as a
 * browser makes it: /authorize shows the consent page, the person continues, the browser comes back to
 * /authorize, goes to the upstream IdP and back to /callback, and lands at the client with a code.
 */
public final class UnvettedLogins {

    private static final Pattern FORM = Pattern.compile("<form id=\"([a-z]+)\"[^>]*>(.*?)</form>", Pattern.DOTALL);
    private static final Pattern HIDDEN = Pattern.compile("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">");

    private UnvettedLogins() {
    }

    /** A login: the browser, the PKCE verifier, state and nonce, and the answer that ended at the client. */
    public record Login(Browser browser, String verifier, String state, String nonce, Response atClient) {
        public Map<String, String> result() {
            return Forms.query(atClient.header("Location"));
        }

        public String code() {
            return result().get("code");
        }
    }

    public static Map<String, String> request(String clientId, String redirectUri, String scope, String verifier, String state,
            String nonce) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", clientId);
        params.put("redirect_uri", redirectUri);
        params.put("scope", scope);
        params.put("state", state);
        params.put("nonce", nonce);
        params.put("code_challenge", Forms.s256(verifier));
        params.put("code_challenge_method", "S256");
        params.put("idp_hint", "test-idp");
        return params;
    }

    /** The hidden fields of the page's form {@code id} (consent or abort). */
    public static Map<String, String> form(String html, String id) {
        Matcher forms = FORM.matcher(html);
        while (forms.find()) {
            if (forms.group(1).equals(id)) {
                Map<String, String> fields = new LinkedHashMap<>();
                Matcher hidden = HIDDEN.matcher(forms.group(2));
                while (hidden.find()) {
                    fields.put(unescape(hidden.group(1)), unescape(hidden.group(2)));
                }
                return fields;
            }
        }
        throw new AssertionError("no form " + id + " in " + html);
    }

    /** Posts the consent page's form: {@code approve} (form consent) or {@code deny} (form abort). */
    public static Response decide(Browser browser, Response page, String decision) {
        Map<String, String> fields = form(page.body().asString(), decision.equals("approve") ? "consent" : "abort");
        fields.put("decision", decision);
        return browser.post("/authorize/consent", fields);
    }

    /** Follows a redirect back into the orchestrator (a relative or absolute location). */
    public static Response follow(Browser browser, String location) {
        String path = location.replaceFirst("^https?://[^/]+", "");
        int q = path.indexOf('?');
        return browser.get(q < 0 ? path : path.substring(0, q), q < 0 ? Map.of() : Forms.query(path));
    }

    /** The whole login, consenting on the way; {@code sub} logs in at the fake upstream. */
    public static Login login(String clientId, String redirectUri, String scope, String sub) {
        Browser browser = new Browser();
        String verifier = Logins.verifier();
        String state = "st-" + UUID.randomUUID();
        String nonce = "n-" + UUID.randomUUID();
        Response page = browser.get("/authorize", request(clientId, redirectUri, scope, verifier, state, nonce));
        return new Login(browser, verifier, state, nonce, consentedAndBack(browser, page, sub));
    }

    /** The login of a request pushed to /par: /authorize with its request_uri, consent, and on to the client. */
    public static Response pushedLogin(Browser browser, String clientId, String requestUri, String sub) {
        return consentedAndBack(browser, browser.get("/authorize", Map.of("client_id", clientId, "request_uri", requestUri)), sub);
    }

    /** From the consent page, continued, through the upstream IdP, to the orchestrator's answer to the client. */
    private static Response consentedAndBack(Browser browser, Response page, String sub) {
        if (page.statusCode() != 200 || !page.body().asString().contains("id=\"consent\"")) {
            throw new AssertionError("expected the consent page, got " + page.statusCode() + " " + page.header("Location") + " "
                    + page.body().asString());
        }
        Response approved = decide(browser, page, "approve");
        if (approved.statusCode() != 303) {
            throw new AssertionError("expected 303 after consent, got " + approved.statusCode() + " " + approved.body().asString());
        }
        return upstreamAndBack(browser, follow(browser, approved.header("Location")), sub);
    }

    /** From /authorize's redirect to the upstream IdP, through its login, to the orchestrator's answer to the client. */
    public static Response upstreamAndBack(Browser browser, Response toUpstream, String sub) {
        if (toUpstream.statusCode() != 302 || !toUpstream.header("Location").startsWith(TestWorld.upstream.issuer())) {
            throw new AssertionError("expected a redirect upstream, got " + toUpstream.statusCode() + " " + toUpstream.header("Location"));
        }
        Map<String, String> up = Forms.query(toUpstream.header("Location"));
        String code = TestWorld.upstream.code(sub, up.get("nonce"), up.get("code_challenge"));
        return browser.get("/callback", Map.of("code", code, "state", up.get("state")));
    }

    /** Redeems a public client's code (no client authentication, PKCE). */
    public static Response redeemPublic(String clientId, String redirectUri, Login login) {
        return given().formParam("grant_type", "authorization_code").formParam("client_id", clientId).formParam("code", login.code())
                .formParam("redirect_uri", redirectUri).formParam("code_verifier", login.verifier()).post("/token");
    }

    private static String unescape(String html) {
        return html.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    }
}
