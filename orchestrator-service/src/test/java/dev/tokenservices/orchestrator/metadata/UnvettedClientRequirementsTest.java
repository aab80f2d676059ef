package dev.tokenservices.orchestrator.metadata;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.orchestrator.support.Browser;
import dev.tokenservices.orchestrator.support.DocumentServer;
import dev.tokenservices.orchestrator.support.DocumentWorld;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.Pushes;
import dev.tokenservices.orchestrator.support.UnvettedClients;
import dev.tokenservices.orchestrator.support.UnvettedLogins;
import dev.tokenservices.testsupport.DpopProofs;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that bring their own metadata hold themselves to PAR and DPoP as the registry file's clients
 * do ({@code require_pushed_authorization_requests}, {@code dpop_bound_access_tokens}), and use /par (a
 * document client as a public client, client_id only) and DPoP proofs like any client.
 */
@QuarkusTest
@TestProfile(UnvettedClients.class)
class UnvettedClientRequirementsTest {

    private static final String ISSUER = "http://localhost:8082";
    static String parOnly;
    static String dpopOnly;
    static String plain;

    @BeforeAll
    static void documents() {
        DocumentServer server = DocumentWorld.documents;
        parOnly = server.url("/par-only.json");
        server.json("/par-only.json", "{\"client_id\":\"" + parOnly + "\",\"redirect_uris\":[\"https://par-only.example/cb\"],"
                + "\"token_endpoint_auth_method\":\"none\",\"require_pushed_authorization_requests\":true}", "max-age=300");
        dpopOnly = server.url("/dpop-only.json");
        server.json("/dpop-only.json", "{\"client_id\":\"" + dpopOnly + "\",\"redirect_uris\":[\"https://dpop-only.example/cb\"],"
                + "\"token_endpoint_auth_method\":\"none\",\"dpop_bound_access_tokens\":true}", "max-age=300");
        plain = server.url("/plain-agent.json");
        server.json("/plain-agent.json", "{\"client_id\":\"" + plain + "\",\"redirect_uris\":[\"https://plain-agent.example/cb\"],"
                + "\"token_endpoint_auth_method\":\"none\"}", "max-age=300");
    }

    private static String proof(ECKey key, String path) {
        return DpopProofs.proof(key, "POST", ISSUER + path).sign();
    }

    private static String jkt(String jwt) throws Exception {
        Object cnf = SignedJWT.parse(jwt).getJWTClaimsSet().getClaim("cnf");
        return cnf instanceof Map<?, ?> map ? (String) map.get("jkt") : null;
    }

    private static Response redeem(RequestSpecification client, String redirectUri, String code, String verifier, String proof) {
        if (proof != null) {
            client.header(DpopVerifier.HEADER, proof);
        }
        return client.formParam("grant_type", "authorization_code").formParam("code", code).formParam("redirect_uri", redirectUri)
                .formParam("code_verifier", verifier).post("/token");
    }

    @Test
    void aDocumentClientThatRequiresParIsRefusedAPlainRequestAndLogsInPushed() {
        String redirect = "https://par-only.example/cb";
        Response plainRequest = new Browser().get("/authorize", UnvettedLogins.request(parOnly, redirect, "openid", Logins.verifier(),
                "st-par-only", "n"));
        assertEquals(302, plainRequest.statusCode());
        Map<String, String> error = Forms.query(plainRequest.header("Location"));
        assertEquals("invalid_request", error.get("error"));
        assertEquals("st-par-only", error.get("state"));
        assertTrue(error.get("error_description").contains("/par"), error.get("error_description"));

        String verifier = Logins.verifier();
        String uri = Pushes.requestUri(Pushes.push(given(), UnvettedLogins.request(parOnly, redirect, "openid", verifier, "st-pushed", "n")));
        Response back = UnvettedLogins.pushedLogin(new Browser(), parOnly, uri, "par-only-" + UUID.randomUUID());
        Map<String, String> result = Forms.query(back.header("Location"));
        assertEquals("st-pushed", result.get("state"));
        redeem(given().formParam("client_id", parOnly), redirect, result.get("code"), verifier, null).then().statusCode(200);
    }

    @Test
    void aDocumentClientBoundToDpopMustProveAKeyAtToken() throws Exception {
        String redirect = "https://dpop-only.example/cb";
        UnvettedLogins.Login login = UnvettedLogins.login(dpopOnly, redirect, "openid invoices.read", "dpop-only-" + UUID.randomUUID());
        redeem(given().formParam("client_id", dpopOnly), redirect, login.code(), login.verifier(), null).then().statusCode(400)
                .body("error", equalTo("invalid_dpop_proof"));
        // refused before the grant: the code is still good, and redeems with a proof
        ECKey key = DpopProofs.ecKey();
        JsonPath tokens = redeem(given().formParam("client_id", dpopOnly), redirect, login.code(), login.verifier(), proof(key, "/token"))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("DPoP", tokens.getString("token_type"));
        assertEquals(DpopProofs.thumbprint(key), jkt(tokens.getString("access_token")));
    }

    @Test
    void aDocumentClientsProofAtParBindsItsCode() throws Exception {
        String redirect = "https://plain-agent.example/cb";
        ECKey key = DpopProofs.ecKey();
        String verifier = Logins.verifier();
        Response pushed = given().header(DpopVerifier.HEADER, proof(key, "/par")).contentType("application/x-www-form-urlencoded")
                .formParams(UnvettedLogins.request(plain, redirect, "openid invoices.read", verifier, "st-bound", "n")).post("/par");
        Response back = UnvettedLogins.pushedLogin(new Browser(), plain, Pushes.requestUri(pushed), "bound-" + UUID.randomUUID());
        String code = Forms.query(back.header("Location")).get("code");
        redeem(given().formParam("client_id", plain), redirect, code, verifier, proof(DpopProofs.ecKey(), "/token")).then().statusCode(400)
                .body("error", equalTo("invalid_dpop_proof"));

        String verifier2 = Logins.verifier();
        Response pushed2 = given().header(DpopVerifier.HEADER, proof(key, "/par")).contentType("application/x-www-form-urlencoded")
                .formParams(UnvettedLogins.request(plain, redirect, "openid invoices.read", verifier2, "st-bound-2", "n")).post("/par");
        Response back2 = UnvettedLogins.pushedLogin(new Browser(), plain, Pushes.requestUri(pushed2), "bound-" + UUID.randomUUID());
        JsonPath tokens = redeem(given().formParam("client_id", plain), redirect, Forms.query(back2.header("Location")).get("code"), verifier2,
                proof(key, "/token")).then().statusCode(200).extract().jsonPath();
        assertEquals(DpopProofs.thumbprint(key), jkt(tokens.getString("access_token")));
        Map<String, Map<String, Object>> apis = tokens.getMap("access_tokens");
        assertEquals("DPoP", apis.get("https://api.example/invoices").get("token_type"));
    }

    @Test
    void aRegisteredClientHoldsItselfToParAndDpop() throws Exception {
        String redirect = "https://strict.example/cb";
        Response registered = given().header("X-Forwarded-For", "198.51.100.200").auth().oauth2(UnvettedClients.REGISTRATION_TOKEN)
                .contentType("application/json").body("{\"redirect_uris\":[\"" + redirect + "\"],\"dpop_bound_access_tokens\":true,"
                        + "\"require_pushed_authorization_requests\":true}").post("/register");
        registered.then().statusCode(201).body("dpop_bound_access_tokens", equalTo(true))
                .body("require_pushed_authorization_requests", equalTo(true));
        String clientId = registered.jsonPath().getString("client_id");
        String secret = registered.jsonPath().getString("client_secret");

        Response plainRequest = new Browser().get("/authorize", UnvettedLogins.request(clientId, redirect, "openid", Logins.verifier(), "s", "n"));
        assertEquals("invalid_request", Forms.query(plainRequest.header("Location")).get("error"));

        String verifier = Logins.verifier();
        Map<String, String> request = UnvettedLogins.request(clientId, redirect, "openid", verifier, "st-strict", "n");
        String uri = Pushes.requestUri(Pushes.push(given().auth().preemptive().basic(clientId, secret), request));
        String code = Forms.query(UnvettedLogins.pushedLogin(new Browser(), clientId, uri, "strict-" + UUID.randomUUID()).header("Location"))
                .get("code");
        redeem(given().auth().preemptive().basic(clientId, secret), redirect, code, verifier, null).then().statusCode(400)
                .body("error", equalTo("invalid_dpop_proof"));
        ECKey key = DpopProofs.ecKey();
        JsonPath tokens = redeem(given().auth().preemptive().basic(clientId, secret), redirect, code, verifier, proof(key, "/token"))
                .then().statusCode(200).extract().jsonPath();
        assertEquals(DpopProofs.thumbprint(key), jkt(tokens.getString("access_token")));
    }
}
