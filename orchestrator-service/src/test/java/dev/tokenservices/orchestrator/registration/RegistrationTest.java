package dev.tokenservices.orchestrator.registration;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.tokenservices.orchestrator.support.Browser;
import dev.tokenservices.orchestrator.support.IdTokens;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.UnvettedClients;
import dev.tokenservices.orchestrator.support.UnvettedLogins;
import dev.tokenservices.shared.crypto.Hashes;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Dynamic registration (RFC 7591) behind the initial access token: a registered client logs in through
 * the real flow; the token is checked (RFC 6750 challenges); hostile metadata is refused with RFC 7591's
 * codes; the secret is answered once and PostgreSQL holds its hash only; a row written without the
 * master key is no client; one address cannot register without limit.
 */
@QuarkusTest
@TestProfile(UnvettedClients.class)
class RegistrationTest {

    /** Each test registers from an address of its own (127.0.0.1 is a trusted proxy here): the per-address limit is per test. */
    private static final AtomicInteger ADDRESSES = new AtomicInteger(10);

    @Inject
    Pool pool;

    private static RequestSpecification from(String address) {
        return given().header("X-Forwarded-For", address);
    }

    private static String address() {
        return "198.51.100." + ADDRESSES.incrementAndGet();
    }

    static Response register(String address, String json) {
        return from(address).auth().oauth2(UnvettedClients.REGISTRATION_TOKEN).contentType("application/json").body(json).post("/register");
    }

    @Test
    void aRegisteredConfidentialClientLogsInThroughTheRealFlow() throws Exception {
        Response registered = register(address(), "{\"client_name\":\"Reporting tool\",\"redirect_uris\":[\"https://reports.example/cb\"],"
                + "\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"scope\":\"openid email invoices.read media.play\"}");
        registered.then().statusCode(201).header("Cache-Control", "no-store").body("token_endpoint_auth_method", equalTo("client_secret_basic"))
                .body("scope", equalTo("openid email invoices.read")).body("client_secret_expires_at", equalTo(0))
                .body("redirect_uris", equalTo(List.of("https://reports.example/cb")));
        JsonPath json = registered.jsonPath();
        String clientId = json.getString("client_id");
        String secret = json.getString("client_secret");
        assertTrue(clientId.startsWith("reg_"), clientId);
        assertTrue(secret.length() >= 43);

        UnvettedLogins.Login login = UnvettedLogins.login(clientId, "https://reports.example/cb", "openid email invoices.read media.play",
                "reg-" + UUID.randomUUID());
        Response tokens = given().auth().preemptive().basic(clientId, secret).formParam("grant_type", "authorization_code")
                .formParam("code", login.code()).formParam("redirect_uri", "https://reports.example/cb")
                .formParam("code_verifier", login.verifier()).post("/token");
        tokens.then().statusCode(200).body("scope", equalTo("openid email invoices.read"));
        assertEquals(List.of(clientId), IdTokens.verified(tokens.jsonPath().getString("id_token"), JWSAlgorithm.RS256).getAudience());
        // the wrong secret is the answer of any wrong secret
        given().auth().preemptive().basic(clientId, secret + "x").formParam("grant_type", "refresh_token")
                .formParam("refresh_token", tokens.jsonPath().getString("refresh_token")).post("/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void aRegisteredPublicClientGetsNoSecretAndUsesPkce() {
        Response registered = register(address(), "{\"redirect_uris\":[\"http://127.0.0.1:8765/cb\"],\"token_endpoint_auth_method\":\"none\"}");
        registered.then().statusCode(201).body("client_secret", nullValue()).body("scope", equalTo(UnvettedClients.MAX_SCOPE));
        String clientId = registered.jsonPath().getString("client_id");
        UnvettedLogins.Login login = UnvettedLogins.login(clientId, "http://127.0.0.1:8765/cb", "openid", "reg-" + UUID.randomUUID());
        UnvettedLogins.redeemPublic(clientId, "http://127.0.0.1:8765/cb", login).then().statusCode(200);
    }

    @Test
    void theConsentPageSaysTheClientRegisteredItself() {
        String clientId = register(address(), "{\"client_name\":\"Self-made\",\"redirect_uris\":[\"https://self.example/cb\"]}")
                .jsonPath().getString("client_id");
        String html = new Browser().get("/authorize", UnvettedLogins.request(clientId, "https://self.example/cb", "openid",
                Logins.verifier(), "s", "n")).body().asString();
        assertTrue(html.contains("It registered itself."), html);
        assertTrue(html.contains("<strong id=\"redirect-host\">self.example</strong>"), html);
    }

    @Test
    void withoutTheInitialAccessTokenRegistrationIsRefusedPerRfc6750() {
        String body = "{\"redirect_uris\":[\"https://a.example/cb\"]}";
        Response none = from(address()).contentType("application/json").body(body).post("/register");
        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"orchestrator\"", none.header("WWW-Authenticate"));
        Response basic = from(address()).auth().preemptive().basic("x", UnvettedClients.REGISTRATION_TOKEN).contentType("application/json")
                .body(body).post("/register");
        assertEquals(401, basic.statusCode());
        assertEquals("Bearer realm=\"orchestrator\"", basic.header("WWW-Authenticate"));
        Response wrong = from(address()).auth().oauth2(UnvettedClients.REGISTRATION_TOKEN + "x").contentType("application/json").body(body)
                .post("/register");
        wrong.then().statusCode(401).header("WWW-Authenticate", containsString("error=\"invalid_token\"")).body("error", equalTo("invalid_token"));
        Response prefix = from(address()).auth().oauth2(UnvettedClients.REGISTRATION_TOKEN.substring(0, 20)).contentType("application/json")
                .body(body).post("/register");
        assertEquals(401, prefix.statusCode());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"redirect_uris\":[\"http://reports.example/cb\"]} | invalid_redirect_uri | must be https",
        "{\"redirect_uris\":[\"https://reports.example/cb#x\"]} | invalid_redirect_uri | fragment",
        "{\"redirect_uris\":[]} | invalid_redirect_uri | redirect_uris is required",
        "{\"redirect_uris\":\"https://reports.example/cb\"} | invalid_client_metadata | must be an array of strings",
        "{\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":[1]} | invalid_client_metadata | client_name must be a string",
        "{\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":\"client_secret_jwt\"} | invalid_client_metadata | token_endpoint_auth_method",
        "{\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":[\"authorization_code\",\"client_credentials\"]} | invalid_client_metadata | grant_types",
        "{\"redirect_uris\":[\"https://a.example/cb\"],\"client_id\":\"test-app\"} | invalid_client_metadata | client_id is assigned by the server",
        "{\"redirect_uris\":[\"https://a.example/cb\"],\"client_secret\":\"mine-mine-mine-mine-mine-mine-mine\"} | invalid_client_metadata | client_secret is issued by the server",
        "{\"redirect_uris\":[\"https://a.example/cb\"],\"dpop_bound_access_tokens\":\"yes\"} | invalid_client_metadata | dpop_bound_access_tokens must be true or false",
        "{\"redirect_uris\":[\"https://a.example/cb\"],\"require_pushed_authorization_requests\":null,\"dpop_bound_access_tokens\":[true]} | invalid_client_metadata | dpop_bound_access_tokens must be true or false",
        "not json | invalid_client_metadata | not valid JSON"})
    void hostileMetadataIsRefusedWithRfc7591Codes(String body, String error, String description) {
        register(address(), body.trim()).then().statusCode(400).header("Cache-Control", "no-store").body("error", equalTo(error.trim()))
                .body("error_description", containsString(description.trim()));
    }

    @Test
    void theBodyMustBeSmallJson() {
        from(address()).auth().oauth2(UnvettedClients.REGISTRATION_TOKEN).contentType("application/x-www-form-urlencoded")
                .body("redirect_uris=https://a.example/cb").post("/register").then().statusCode(400).body("error", equalTo("invalid_client_metadata"));
        String big = "{\"redirect_uris\":[\"https://a.example/cb\"],\"client_uri\":\"https://a.example/" + "x".repeat(9000) + "\"}";
        register(address(), big).then().statusCode(413).body("error", equalTo("invalid_client_metadata"));
    }

    @Test
    void postgresqlHoldsTheSecretsHashOnlyAndARowWrittenWithoutTheMasterKeyIsNoClient() {
        Response registered = register(address(), "{\"redirect_uris\":[\"https://stored.example/cb\"],\"token_endpoint_auth_method\":\"client_secret_post\"}");
        String clientId = registered.jsonPath().getString("client_id");
        String secret = registered.jsonPath().getString("client_secret");
        Row row = pool.preparedQuery("SELECT row_to_json(r)::text AS all_columns, secret_hash FROM orchestrator_registered_client r WHERE client_id = $1")
                .execute(Tuple.of(clientId)).await().indefinitely().iterator().next();
        assertFalse(row.getString("all_columns").contains(secret), "the secret in clear");
        assertFalse(row.getString("all_columns").contains(HexFormat.of().formatHex(Base64.getUrlDecoder().decode(secret))), "its bytes as hex");
        assertEquals(Hashes.sha256Hex(secret), row.getString("secret_hash"));
        // the secret authenticates by post only, as registered
        given().formParam("grant_type", "authorization_code").formParam("client_id", clientId).formParam("client_secret", secret)
                .formParam("code", "unknown").formParam("redirect_uri", "https://stored.example/cb").post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));

        // a row forged straight into the database, with a secret the forger knows
        String forged = "reg_AAAAAAAAAAAAAAAAAAAAAA";
        pool.preparedQuery("INSERT INTO orchestrator_registered_client (client_id, secret_hash, metadata, integrity, created_at) "
                        + "VALUES ($1, $2, $3, 'forged', now()) ON CONFLICT (client_id) DO NOTHING")
                .execute(Tuple.of(forged, Hashes.sha256Hex("forger-knows-this-secret-0123456789"),
                        "{\"redirect_uris\":[\"https://evil.example/cb\"],\"token_endpoint_auth_method\":\"client_secret_basic\"}"))
                .await().indefinitely();
        Response page = new Browser().get("/authorize", UnvettedLogins.request(forged, "https://evil.example/cb", "openid", Logins.verifier(), "s", "n"));
        assertEquals(400, page.statusCode());
        assertNull(page.header("Location"));
        given().auth().preemptive().basic(forged, "forger-knows-this-secret-0123456789").formParam("grant_type", "refresh_token")
                .formParam("refresh_token", "x").post("/token").then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void oneAddressCannotRegisterWithoutLimit() {
        String address = address();
        int created = 0;
        Response last = null;
        for (int i = 0; i < 12; i++) {
            last = register(address, "{\"redirect_uris\":[\"https://flood.example/cb\"],\"token_endpoint_auth_method\":\"none\"}");
            if (last.statusCode() == 201) {
                created++;
            }
        }
        assertEquals(10, created);
        last.then().statusCode(429).body("error", equalTo("temporarily_unavailable"));
        assertNotNull(last.header("Retry-After"));
        // wrong tokens count too, so the token cannot be guessed at speed
        from(address).auth().oauth2("guess").contentType("application/json").body("{}").post("/register").then().statusCode(429);
        // another address is not held back
        register(address(), "{\"redirect_uris\":[\"https://flood.example/cb\"],\"token_endpoint_auth_method\":\"none\"}").then().statusCode(201);
    }

    @Test
    void discoveryNamesTheRegistrationEndpoint() {
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("registration_endpoint", equalTo("http://localhost:8082/register"));
    }
}
