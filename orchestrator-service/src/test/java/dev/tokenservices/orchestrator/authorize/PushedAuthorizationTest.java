package dev.tokenservices.orchestrator.authorize;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.FakeTokenService;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.Pushes;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Pushed authorization requests (RFC 9126): /par, and /authorize with the request_uri it answers. */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class PushedAuthorizationTest {

    private static void assertRefusedPage(Response response) {
        assertEquals(400, response.statusCode());
        assertNull(response.header("Location"));
        assertTrue(response.contentType().startsWith("text/html"));
        assertTrue(response.asString().contains("request_uri"), response.asString());
    }

    @Test
    void aPushedRequestLogsInThroughItsRequestUriAndTheCodeRedeems() {
        String verifier = Logins.verifier();
        Response pushed = Pushes.push(Pushes.testApp(), Pushes.request(verifier, Map.of()));
        String uri = Pushes.requestUri(pushed);
        assertEquals(60, pushed.jsonPath().getInt("expires_in"));
        assertEquals("no-store", pushed.header("Cache-Control"));
        Response back = Logins.atUpstream(Pushes.authorizeWith(Logins.APP, uri), "par-" + UUID.randomUUID(), null);
        Map<String, String> result = Forms.query(back.header("Location"));
        assertTrue(back.header("Location").startsWith(Logins.REDIRECT + "?"));
        assertEquals("par-state", result.get("state"));
        JsonPath tokens = Logins.redeem(result.get("code"), verifier).then().statusCode(200).extract().jsonPath();
        assertEquals("openid profile invoices.read", tokens.getString("scope"));
    }

    @Test
    void aPublicClientPushesWithItsClientId() {
        String verifier = Logins.verifier();
        Response pushed = Pushes.push(given(), Pushes.request(verifier, Map.of("client_id", "public-app",
                "redirect_uri", "https://public.example/cb", "scope", "openid")));
        Response toUpstream = Pushes.authorizeWith("public-app", Pushes.requestUri(pushed));
        assertEquals(302, toUpstream.statusCode());
        assertTrue(toUpstream.header("Location").startsWith(TestWorld.upstream.issuer()));
    }

    @Test
    void aReplayedRequestUriIsRefused() {
        String uri = Pushes.requestUri(Pushes.push(Pushes.testApp(), Pushes.request(Logins.verifier(), Map.of())));
        assertEquals(302, Pushes.authorizeWith(Logins.APP, uri).statusCode());
        assertRefusedPage(Pushes.authorizeWith(Logins.APP, uri));
    }

    @Test
    void ofTwoConcurrentAuthorizeRequestsWithOneRequestUriExactlyOneProceeds() throws Exception {
        for (int round = 0; round < 5; round++) {
            String uri = Pushes.requestUri(Pushes.push(Pushes.testApp(), Pushes.request(Logins.verifier(), Map.of())));
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Integer>> answers = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    Callable<Integer> call = () -> {
                        start.await();
                        return Pushes.authorizeWith(Logins.APP, uri).statusCode();
                    };
                    answers.add(pool.submit(call));
                }
                start.countDown();
                List<Integer> statuses = new ArrayList<>();
                for (Future<Integer> answer : answers) {
                    statuses.add(answer.get());
                }
                assertEquals(1, statuses.stream().filter(s -> s == 302).count(), statuses.toString());
                assertEquals(1, statuses.stream().filter(s -> s == 400).count(), statuses.toString());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void anotherClientsRequestUriIsRefusedAndStaysUsableByItsOwnClient() {
        String uri = Pushes.requestUri(Pushes.push(Pushes.testApp(), Pushes.request(Logins.verifier(), Map.of())));
        assertRefusedPage(Pushes.authorizeWith("other-app", uri));
        assertRefusedPage(Pushes.authorizeWith("nobody", uri));
        Response own = Pushes.authorizeWith(Logins.APP, uri);
        assertEquals(302, own.statusCode());
        assertTrue(own.header("Location").startsWith(TestWorld.upstream.issuer()));
    }

    @Test
    void anUnknownRequestUriOrOneWithoutClientIdIsRefused() {
        assertRefusedPage(Pushes.authorizeWith(Logins.APP, "urn:ietf:params:oauth:request_uri:" + "A".repeat(43)));
        Response noClient = given().redirects().follow(false).queryParam("request_uri",
                Pushes.requestUri(Pushes.push(Pushes.testApp(), Pushes.request(Logins.verifier(), Map.of())))).get("/authorize");
        assertEquals(400, noClient.statusCode());
        assertNull(noClient.header("Location"));
    }

    @Test
    void parametersBesideTheRequestUriAreIgnored() {
        String verifier = Logins.verifier();
        String uri = Pushes.requestUri(Pushes.push(Pushes.testApp(), Pushes.request(verifier, Map.of("scope", "openid"))));
        Response toUpstream = given().redirects().follow(false).queryParam("client_id", Logins.APP).queryParam("request_uri", uri)
                .queryParam("redirect_uri", "http://127.0.0.1:9000/cb").queryParam("state", "smuggled")
                .queryParam("scope", "openid profile email invoices.read media.play").queryParam("prompt", "none")
                .queryParam("code_challenge", Forms.s256(Logins.verifier())).queryParam("idp_hint", "quiet-idp").get("/authorize");
        // prompt=none beside it is ignored too: without a session it would have been login_required
        assertEquals(302, toUpstream.statusCode());
        Response back = Logins.atUpstream(toUpstream, "par-smuggle-" + UUID.randomUUID(), null);
        String location = back.header("Location");
        assertTrue(location.startsWith(Logins.REDIRECT + "?"), location);
        assertEquals("par-state", Forms.query(location).get("state"));
        JsonPath tokens = Logins.redeem(Forms.query(location).get("code"), verifier).then().statusCode(200).extract().jsonPath();
        assertEquals("openid", tokens.getString("scope"));
        assertNull(tokens.get("access_tokens"));
    }

    @Test
    void aClientThatMustPushIsRefusedAtThePlainAuthorizationEndpoint() {
        String verifier = Logins.verifier();
        Response plain = Logins.authorize("par-app", "https://par.example/cb", "openid", verifier, "s-plain", "n", null, Map.of());
        assertEquals(302, plain.statusCode());
        Map<String, String> error = Forms.query(plain.header("Location"));
        assertTrue(plain.header("Location").startsWith("https://par.example/cb?"));
        assertEquals("invalid_request", error.get("error"));
        assertEquals("s-plain", error.get("state"));
        assertTrue(error.get("error_description").contains("/par"), error.get("error_description"));
        String uri = Pushes.requestUri(Pushes.push(given(), Pushes.request(verifier, Map.of("client_id", "par-app",
                "redirect_uri", "https://par.example/cb", "scope", "openid"))));
        assertTrue(Pushes.authorizeWith("par-app", uri).header("Location").startsWith(TestWorld.upstream.issuer()));
    }

    @Test
    void pushingNeedsClientAuthentication() {
        Map<String, String> params = Pushes.request(Logins.verifier(), Map.of());
        Pushes.push(given(), params).then().statusCode(401).body("error", equalTo("invalid_client"));
        Pushes.push(given(), new HashMap<>(Map.of("client_id", Logins.APP))).then().statusCode(401).body("error", equalTo("invalid_client"));
        Pushes.push(given().auth().preemptive().basic(Logins.APP, "wrong-secret-0123456789abcdefghijklmnop"), params)
                .then().statusCode(401).body("error", equalTo("invalid_client"));
        Map<String, String> posted = new HashMap<>(params);
        posted.put("client_id", Logins.APP);
        posted.put("client_secret", Logins.APP_SECRET);
        // client_secret_basic is test-app's method: the secret in the body is refused as at /token
        Pushes.push(given(), posted).then().statusCode(401).body("error", equalTo("invalid_client"));
        Pushes.push(given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET), new HashMap<>(Map.of("client_id", "other-app")))
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void pushedParametersAreValidatedAsAtTheAuthorizationEndpoint() {
        assertPushError(Map.of("redirect_uri", "https://evil.example/cb"), "invalid_request", "redirect_uri");
        assertPushError(Map.of("response_type", "token"), "unsupported_response_type", null);
        assertPushError(Map.of("scope", "profile"), "invalid_scope", null);
        assertPushError(Map.of("prompt", "sometimes"), "invalid_request", "prompt");
        assertPushError(Map.of("code_challenge_method", "plain"), "invalid_request", "S256");
        Map<String, String> withoutPkce = new HashMap<>();
        withoutPkce.put("code_challenge", null);
        withoutPkce.put("code_challenge_method", null);
        assertPushError(withoutPkce, "invalid_request", "PKCE");
        assertPushError(Map.of("request", "eyJhbGciOiJub25lIn0.e30."), "request_not_supported", null);
        assertPushError(Map.of("request_uri", "urn:ietf:params:oauth:request_uri:abc"), "invalid_request", "request_uri");
        assertPushError(Map.of("resource", "https://api.example/unknown"), "invalid_target", null);
        assertPushError(Map.of("resource", "api/relative"), "invalid_target", "absolute");
        given().auth().preemptive().basic(Logins.APP, Logins.APP_SECRET).contentType("application/json").body("{}").post("/par")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    /** @param changes what differs from a sound request of test-app (a null value removes the parameter) */
    private static void assertPushError(Map<String, String> changes, String error, String mentioned) {
        Response response = Pushes.push(Pushes.testApp(), Pushes.request(Logins.verifier(), changes));
        assertEquals(400, response.statusCode(), changes + " " + response.asString());
        assertEquals(error, response.jsonPath().getString("error"), changes.toString());
        if (mentioned != null) {
            assertTrue(response.jsonPath().getString("error_description").contains(mentioned), response.asString());
        }
        assertEquals("no-store", response.header("Cache-Control"));
    }

    @Test
    void aBodyOverTheBoundIsRefused() {
        Map<String, String> params = Pushes.request(Logins.verifier(), Map.of("login_hint", "x".repeat(PushedAuthorizationResource.MAX_BODY)));
        Response response = Pushes.push(Pushes.testApp(), params);
        assertEquals(413, response.statusCode());
        assertEquals("invalid_request", response.jsonPath().getString("error"));
    }

    @Test
    void withSeveralIdpsThePushedRequestsChooserLinksCarryNothingButNewRequestUris() {
        Map<String, String> noHint = new HashMap<>(Map.of("state", "chooser-state"));
        noHint.put("idp_hint", null);
        String uri = Pushes.requestUri(Pushes.push(Pushes.testApp(), Pushes.request(Logins.verifier(), noHint)));
        Response chooser = Pushes.authorizeWith(Logins.APP, uri);
        assertEquals(200, chooser.statusCode());
        Matcher links = Pattern.compile("href=\"(/authorize\\?[^\"]*)\"").matcher(chooser.asString());
        List<String> found = new ArrayList<>();
        while (links.find()) {
            found.add(links.group(1).replace("&amp;", "&"));
        }
        assertTrue(found.size() > 1, chooser.asString());
        for (String link : found) {
            Map<String, String> query = Forms.query("http://x" + link);
            assertEquals(Logins.APP, query.get("client_id"));
            assertEquals(2, query.size(), link);
            assertTrue(Pushes.REQUEST_URI.matcher(query.get("request_uri")).matches(), link);
            assertFalse(link.contains("chooser-state"), link);
        }
        // the links are sent as they are, already encoded
        Response first = given().urlEncodingEnabled(false).redirects().follow(false).get(found.get(0));
        assertEquals(302, first.statusCode(), first.asString());
        assertTrue(first.header("Location").startsWith(TestWorld.upstream.issuer()));
        assertRefusedPage(given().urlEncodingEnabled(false).redirects().follow(false).get(found.get(0)));
    }

    @Test
    void discoveryNamesTheEndpoint() {
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("pushed_authorization_request_endpoint", equalTo("http://localhost:8082/par"))
                .body("require_pushed_authorization_requests", equalTo(false));
    }

    @Test
    void aResourceIndicatorCanBePushed() {
        String verifier = Logins.verifier();
        String uri = Pushes.requestUri(Pushes.push(Pushes.testApp(), Pushes.request(verifier, Map.of("scope", "openid invoices.read media.play",
                "resource", FakeTokenService.MEDIA))));
        Response back = Logins.atUpstream(Pushes.authorizeWith(Logins.APP, uri), "par-res-" + UUID.randomUUID(), null);
        JsonPath tokens = Logins.redeem(Forms.query(back.header("Location")).get("code"), verifier).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(List.of(FakeTokenService.MEDIA), new ArrayList<>(tokens.getMap("access_tokens").keySet()));
    }
}
