package dev.tokenservices.orchestrator.metadata;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.orchestrator.support.Browser;
import dev.tokenservices.orchestrator.support.DocumentServer;
import dev.tokenservices.orchestrator.support.DocumentWorld;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.IdTokens;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.UnvettedClients;
import dev.tokenservices.orchestrator.support.UnvettedLogins;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client with no registry entry logs in by naming its Client ID Metadata Document, served by a real
 * https server: the person consents to it by name first; its scope stays within the cap; a public one
 * redeems its code with PKCE alone, a {@code private_key_jwt} one with an assertion signed by a key its
 * {@code jwks_uri} publishes.
 */
@QuarkusTest
@TestProfile(UnvettedClients.class)
class MetadataDocumentLoginTest {

    static final String REDIRECT = "http://127.0.0.1:43111/callback";
    static final String TOKEN_AUDIENCE = "http://localhost:8082/token";
    static ECKey signingKey;
    static String agent;
    static String signed;

    @BeforeAll
    static void documents() throws Exception {
        DocumentServer server = DocumentWorld.documents;
        agent = server.url("/agent.json");
        server.json("/agent.json", "{\"client_id\":\"" + agent + "\",\"client_name\":\"Agent <b>Smith</b>\",\"redirect_uris\":[\""
                + REDIRECT + "\"],\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"token_endpoint_auth_method\":\"none\","
                + "\"scope\":\"openid profile email invoices.read media.play\"}", "max-age=300");
        signingKey = new ECKeyGenerator(Curve.P_256).keyID("agent-key-1").generate();
        signed = server.url("/signed.json");
        server.json("/signed.json", "{\"client_id\":\"" + signed + "\",\"client_name\":\"Signed agent\",\"redirect_uris\":[\"https://signed.example/cb\"],"
                + "\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks_uri\":\"" + server.url("/signed-jwks.json") + "\"}", null);
        server.json("/signed-jwks.json", new JWKSet(signingKey.toPublicJWK()).toString(), "max-age=600");
    }

    private static String sub() {
        return "cimd-" + UUID.randomUUID();
    }

    @Test
    void aPublicDocumentClientLogsInAfterConsentAndRedeemsWithPkceAlone() throws Exception {
        UnvettedLogins.Login login = UnvettedLogins.login(agent, REDIRECT, "openid email invoices.read media.play", sub());
        assertEquals(302, login.atClient().statusCode());
        assertTrue(login.atClient().header("Location").startsWith(REDIRECT + "?"));
        assertEquals(login.state(), login.result().get("state"));
        Response tokens = UnvettedLogins.redeemPublic(agent, REDIRECT, login);
        tokens.then().statusCode(200);
        JsonPath json = tokens.jsonPath();
        JWTClaimsSet id = IdTokens.verified(json.getString("id_token"), JWSAlgorithm.RS256);
        assertEquals(List.of(agent), id.getAudience());
        assertEquals(login.nonce(), id.getClaim("nonce"));
        // media.play is beyond ORCHESTRATOR_REGISTRATION_MAX_SCOPE: asked for, published, never granted
        assertEquals(List.of("openid", "email", "invoices.read"), List.of(json.getString("scope").split(" ")));
        // a public client's refresh needs nothing but its client_id, and stays within the cap
        given().formParam("grant_type", "refresh_token").formParam("client_id", agent).formParam("refresh_token", json.getString("refresh_token"))
                .post("/token").then().statusCode(200).body("scope", equalTo("openid email invoices.read"));
    }

    @Test
    void theCodeNeedsTheVerifier() {
        UnvettedLogins.Login login = UnvettedLogins.login(agent, REDIRECT, "openid", sub());
        given().formParam("grant_type", "authorization_code").formParam("client_id", agent).formParam("code", login.code())
                .formParam("redirect_uri", REDIRECT).post("/token").then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void theConsentPageNamesTheClientAndItsHostsAsText() {
        Response page = new Browser().get("/authorize", UnvettedLogins.request(agent, REDIRECT, "openid email", Logins.verifier(), "s", "n"));
        page.then().statusCode(200).header("Content-Security-Policy", containsString("default-src 'none'"))
                .header("X-Frame-Options", "DENY").header("Cache-Control", "no-store");
        String html = page.body().asString();
        assertTrue(html.contains("Agent &lt;b&gt;Smith&lt;/b&gt;"), html);
        assertFalse(html.contains("<b>Smith"), "the client's name is text, never markup");
        assertTrue(html.contains("<strong id=\"client-host\">127.0.0.1</strong>"), html);
        assertTrue(html.contains("<strong id=\"redirect-host\">127.0.0.1</strong>"), html);
        assertTrue(html.contains("openid email"), html);
        String cookie = page.header("Set-Cookie");
        assertTrue(cookie.startsWith("orch_consent_csrf=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), cookie);
    }

    @Test
    void cancellingSendsAccessDeniedToTheClient() {
        Browser browser = new Browser();
        Response page = browser.get("/authorize", UnvettedLogins.request(agent, REDIRECT, "openid", Logins.verifier(), "st-deny", "n"));
        Response back = UnvettedLogins.decide(browser, page, "deny");
        assertEquals(302, back.statusCode());
        Map<String, String> q = Forms.query(back.header("Location"));
        assertTrue(back.header("Location").startsWith(REDIRECT + "?"));
        assertEquals("access_denied", q.get("error"));
        assertEquals("st-deny", q.get("state"));
        assertNull(browser.cookie("orch_consent"));
    }

    @Test
    void promptNoneWithoutConsentIsConsentRequired() {
        Map<String, String> request = UnvettedLogins.request(agent, REDIRECT, "openid", Logins.verifier(), "st-none", "n");
        request.put("prompt", "none");
        Response back = new Browser().get("/authorize", request);
        assertEquals(302, back.statusCode());
        assertEquals("consent_required", Forms.query(back.header("Location")).get("error"));
    }

    @Test
    void aConsentFormFromAnotherBrowserOrWithAForgedTokenIsRefused() {
        Browser victim = new Browser();
        Response page = new Browser().get("/authorize", UnvettedLogins.request(agent, REDIRECT, "openid", Logins.verifier(), "s", "n"));
        Map<String, String> fields = UnvettedLogins.form(page.body().asString(), "consent");
        fields.put("decision", "approve");
        Response forged = victim.post("/authorize/consent", fields);
        assertEquals(400, forged.statusCode());
        assertNull(forged.header("Location"));
        assertTrue(forged.body().asString().contains("not sent from this browser"));
        Browser own = new Browser();
        Response ownPage = own.get("/authorize", UnvettedLogins.request(agent, REDIRECT, "openid", Logins.verifier(), "s", "n"));
        Map<String, String> tampered = UnvettedLogins.form(ownPage.body().asString(), "consent");
        tampered.put("csrf", tampered.get("csrf").substring(1) + "A");
        tampered.put("decision", "approve");
        assertEquals(400, own.post("/authorize/consent", tampered).statusCode());
        assertNull(own.cookie("orch_consent"));
    }

    @Test
    void consentToOneClientIsNotConsentToAnother() {
        UnvettedLogins.Login login = UnvettedLogins.login(agent, REDIRECT, "openid", sub());
        // the same browser, the same client: no second question within the consent's lifetime
        Response again = login.browser().get("/authorize", UnvettedLogins.request(agent, REDIRECT, "openid", Logins.verifier(), "s2", "n2"));
        assertEquals(302, again.statusCode(), again.body().asString());
        Response other = login.browser().get("/authorize", UnvettedLogins.request(signed, "https://signed.example/cb", "openid",
                Logins.verifier(), "s3", "n3"));
        assertEquals(200, other.statusCode());
        assertTrue(other.body().asString().contains("Signed agent"));
    }

    @Test
    void aRedirectUriTheDocumentDoesNotListIsAnErrorPage() {
        Response response = new Browser().get("/authorize", UnvettedLogins.request(agent, "http://127.0.0.1:43112/callback", "openid",
                Logins.verifier(), "s", "n"));
        assertEquals(400, response.statusCode());
        assertNull(response.header("Location"));
        assertTrue(response.body().asString().contains("redirect_uri is not registered"));
    }

    @Test
    void theDocumentIsFetchedOnceWhileItsCacheControlAllows() {
        DocumentServer server = DocumentWorld.documents;
        String cached = server.url("/cached.json");
        server.json("/cached.json", "{\"client_id\":\"" + cached + "\",\"redirect_uris\":[\"https://cached.example/cb\"]}", "public, max-age=600");
        for (int i = 0; i < 3; i++) {
            new Browser().get("/authorize", UnvettedLogins.request(cached, "https://cached.example/cb", "openid", Logins.verifier(), "s", "n"))
                    .then().statusCode(200);
        }
        assertEquals(1, server.hits("/cached.json"));
    }

    @Test
    void aDocumentThatCouldNotBeUsedIsRefusedAgainWithoutAFetchForAWhile() {
        DocumentServer server = DocumentWorld.documents;
        String late = server.url("/late.json");
        Map<String, String> request = UnvettedLogins.request(late, "https://late.example/cb", "openid", Logins.verifier(), "s", "n");
        new Browser().get("/authorize", request).then().statusCode(400).body(containsString("answered HTTP 404"));
        server.json("/late.json", "{\"client_id\":\"" + late + "\",\"redirect_uris\":[\"https://late.example/cb\"]}", null);
        new Browser().get("/authorize", request).then().statusCode(400).body(containsString("answered HTTP 404"));
        assertEquals(1, server.hits("/late.json"));
    }

    @Test
    void aPrivateKeyJwtDocumentClientAuthenticatesWithAKeyFromItsJwksUri() throws Exception {
        UnvettedLogins.Login login = UnvettedLogins.login(signed, "https://signed.example/cb", "openid profile", sub());
        String assertion = assertion(signingKey, signed);
        Response tokens = redeemSigned(login, assertion);
        tokens.then().statusCode(200);
        assertEquals(List.of(signed), IdTokens.verified(tokens.jsonPath().getString("id_token"), JWSAlgorithm.RS256).getAudience());
        // the same assertion again is a replay
        UnvettedLogins.Login second = UnvettedLogins.login(signed, "https://signed.example/cb", "openid", sub());
        redeemSigned(second, assertion).then().statusCode(401).body("error", equalTo("invalid_client"))
                .body("error_description", containsString("already been used"));
        // a key its document does not publish authenticates nothing; nor does going without a key
        UnvettedLogins.Login third = UnvettedLogins.login(signed, "https://signed.example/cb", "openid", sub());
        redeemSigned(third, assertion(new ECKeyGenerator(Curve.P_256).keyID("agent-key-1").generate(), signed))
                .then().statusCode(401).body("error", equalTo("invalid_client"));
        UnvettedLogins.redeemPublic(signed, "https://signed.example/cb", third).then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    private static Response redeemSigned(UnvettedLogins.Login login, String assertion) {
        return given().formParam("grant_type", "authorization_code").formParam("client_id", signed).formParam("code", login.code())
                .formParam("redirect_uri", "https://signed.example/cb").formParam("code_verifier", login.verifier())
                .formParam("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .formParam("client_assertion", assertion).post("/token");
    }

    static String assertion(ECKey key, String clientId) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
                new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(TOKEN_AUDIENCE).jwtID(UUID.randomUUID().toString())
                        .issueTime(new Date()).expirationTime(new Date(System.currentTimeMillis() + 60_000)).build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }
}
