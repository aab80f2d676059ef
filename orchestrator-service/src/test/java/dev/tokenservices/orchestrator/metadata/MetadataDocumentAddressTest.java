package dev.tokenservices.orchestrator.metadata;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The metadata fetch as an SSRF door, with the loopback switch off (production): a client_id that
 * points at the orchestrator's own host, its network or a cloud metadata service is refused before any
 * connection is made, promptly, with an error page and never a redirect. Real sockets listen on the
 * loopback addresses named, and must see no connection.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class MetadataDocumentAddressTest {

    private static boolean warm;
    private static ServerSocket v4;
    private static ServerSocket v6;

    @BeforeAll
    static void listen() throws Exception {
        v4 = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        v6 = new ServerSocket(0, 50, InetAddress.getByName("::1"));
    }

    @AfterAll
    static void close() throws Exception {
        v4.close();
        v6.close();
    }

    static Response authorize(String clientId) {
        return given().redirects().follow(false).queryParam("response_type", "code").queryParam("client_id", clientId)
                .queryParam("redirect_uri", "https://app.example/cb").queryParam("scope", "openid").queryParam("state", "s")
                .queryParam("code_challenge", Forms.s256(Logins.verifier())).queryParam("code_challenge_method", "S256")
                .get("/authorize");
    }

    /** The answer is an error page within a moment, saying why; nothing is redirected anywhere. */
    static String refusedPage(String clientId) {
        if (!warm) {
            // the first page this JVM renders pays for the template; not what is measured
            authorize("https://10.9.9.9/warm-up");
            warm = true;
        }
        long start = System.nanoTime();
        Response response = authorize(clientId);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(400, response.statusCode(), response.body().asString());
        assertNull(response.header("Location"));
        assertTrue(response.contentType().startsWith("text/html"));
        assertTrue(ms < 2500, "took " + ms + " ms");
        return response.body().asString();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://127.0.0.1:V4/client.json | 127.0.0.1 is a loopback address",
        "https://localhost:V4/client.json | is a loopback address",
        "https://[::1]:V6/client.json | is a loopback address",
        "https://[::ffff:127.0.0.1]:V4/client.json | 127.0.0.1 is a loopback address",
        "https://[::127.0.0.1]:V4/client.json | carries the IPv4 address 127.0.0.1, a loopback address",
        "https://127.1:V4/client.json | must name a host",
        "https://2130706433:V4/client.json | 127.0.0.1 is a loopback address",
        "https://10.0.0.7/client.json | 10.0.0.7 is a private (RFC 1918) address",
        "https://192.168.0.10/client.json | private (RFC 1918)",
        "https://169.254.169.254/latest/meta-data/ | 169.254.169.254 is a link-local address",
        "https://100.64.1.1/client.json | CGNAT",
        "https://[fd12::1]/client.json | unique-local",
        "https://0.0.0.0:V4/client.json | unspecified",
        "https://[::]:V6/client.json | unspecified",
        "https://224.0.0.1/client.json | multicast"})
    void specialAddressesAreRefusedWithoutAConnection(String url, String reason) throws Exception {
        String clientId = url.trim().replace("V4", Integer.toString(v4.getLocalPort())).replace("V6", Integer.toString(v6.getLocalPort()));
        String page = refusedPage(clientId);
        assertTrue(page.contains("metadata document cannot be used"), page);
        assertTrue(page.contains(reason.trim()), page);
        assertNoConnection(v4);
        assertNoConnection(v6);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"http://app.example/client.json | must be an https URL",
        "https://app.example | must have a path", "https://user@app.example/client.json | without user information",
        "https://app.example/a/../client.json | dot segments"})
    void clientIdsThatAreNoUsableHttpsUrlAreRefused(String url, String reason) {
        String page = refusedPage(url.trim());
        assertTrue(page.contains(reason.trim()), page);
    }

    @Test
    void theTokenEndpointRefusesSuchAClientAsInvalidClient() {
        given().formParam("grant_type", "authorization_code").formParam("client_id", "https://169.254.169.254/latest")
                .formParam("code", "x").formParam("redirect_uri", "https://app.example/cb").formParam("code_verifier", Logins.verifier())
                .post("/token").then().statusCode(401).body("error", org.hamcrest.Matchers.equalTo("invalid_client"))
                .body("error_description", org.hamcrest.Matchers.containsString("link-local"));
    }

    @Test
    void discoverySaysDocumentsAreSupportedAndRegistrationIsOff() {
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("client_id_metadata_document_supported", org.hamcrest.Matchers.equalTo(true))
                .body("registration_endpoint", org.hamcrest.Matchers.nullValue())
                .body("token_endpoint_auth_methods_supported", org.hamcrest.Matchers.hasItem("private_key_jwt"));
        given().contentType("application/json").body("{\"redirect_uris\":[\"https://a.example/cb\"]}").post("/register")
                .then().statusCode(404);
    }

    private static void assertNoConnection(ServerSocket socket) throws Exception {
        socket.setSoTimeout(50);
        assertThrows(SocketTimeoutException.class, () -> socket.accept().close(), "the orchestrator connected to " + socket);
    }
}
