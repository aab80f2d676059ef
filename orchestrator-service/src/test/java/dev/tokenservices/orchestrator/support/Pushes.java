package dev.tokenservices.orchestrator.support;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Pushed authorization requests (RFC 9126) as a client makes them: /par, then /authorize with the request_uri. */
public final class Pushes {

    public static final Pattern REQUEST_URI = Pattern.compile("urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}");

    private Pushes() {
    }

    /** test-app's authorization request: PKCE, state, nonce, idp_hint; {@code extra} adds or replaces (null removes). */
    public static Map<String, String> request(String verifier, Map<String, String> extra) {
        Map<String, String> all = new HashMap<>(Map.of("response_type", "code", "redirect_uri", Logins.REDIRECT, "scope",
                "openid profile invoices.read", "state", "par-state", "nonce", "par-nonce", "code_challenge", Forms.s256(verifier),
                "code_challenge_method", "S256", "idp_hint", "test-idp"));
        all.putAll(extra);
        all.values().removeIf(v -> v == null);
        return all;
    }

    public static Response push(RequestSpecification client, Map<String, String> params) {
        return client.contentType("application/x-www-form-urlencoded").formParams(params).post("/par");
    }

    /** test-app, authenticated with client_secret_basic. */
    public static RequestSpecification testApp() {
        return given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET);
    }

    /** The request_uri of a 201 answer from /par. */
    public static String requestUri(Response pushed) {
        assertEquals(201, pushed.statusCode(), pushed.asString());
        String uri = pushed.jsonPath().getString("request_uri");
        assertTrue(REQUEST_URI.matcher(uri).matches(), uri);
        return uri;
    }

    public static Response authorizeWith(String clientId, String requestUri) {
        return given().redirects().follow(false).queryParam("client_id", clientId).queryParam("request_uri", requestUri).get("/authorize");
    }
}
