package dev.tokenservices.orchestrator.registry;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.shared.registry.ClientEntry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry file is the only truth of the running orchestrator: the file is rewritten while it runs
 * (as a mounted ConfigMap changes), and /authorize and /token follow what the new file says.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
@TestProfile(RegistryFileReloadTest.QuickReload.class)
class RegistryFileReloadTest {

    public static class QuickReload implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orchestrator.registry-refresh-interval", "100ms");
        }
    }

    private static final String OTHER_APP_ENTRY = """
              - client_id: other-app
                client_secret: other-app-secret-0123456789abcdefghijk
                token_endpoint_auth_method: client_secret_post
                redirect_uris: ["https://other.example/cb"]
                grant_types: [authorization_code]
                scope: "openid email"
            """;
    private static final String ROTATED_SECRET = "test-app-rotated-0123456789abcdefghijkl";

    @ConfigProperty(name = "orchestrator.registry")
    Path file;

    @Inject
    Clients clients;

    private String original;

    @BeforeEach
    void keepTheFile() throws IOException {
        original = Files.readString(file);
        assertTrue(original.contains(OTHER_APP_ENTRY) && original.contains("client_secret: ${TEST_APP_SECRET}"), "the test registry changed");
    }

    @AfterEach
    void restoreTheFile() throws Exception {
        rewrite(original, "test-app", c -> c.redirectUris().contains(Logins.REDIRECT) && c.scope().contains("media.play"));
        rewrite(original, "other-app", c -> true);
    }

    /** Writes the file and waits until the orchestrator serves what it says of {@code clientId}. */
    private void rewrite(String yaml, String clientId, java.util.function.Predicate<ClientEntry> taken) throws Exception {
        Files.writeString(file, yaml);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!clients.client(clientId).filter(taken).isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private void rewriteWithout(String yaml, String clientId) throws Exception {
        Files.writeString(file, yaml);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (clients.client(clientId).isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private static Response authorize(String clientId, String redirectUri) {
        return Logins.authorize(clientId, redirectUri, "openid", Logins.verifier(), "st", "n", null, Map.of());
    }

    private static void toTheUpstream(Response response) {
        assertEquals(302, response.statusCode());
        assertTrue(response.header("Location").startsWith(TestWorld.upstream.issuer()), response.header("Location"));
    }

    private static void errorPage(Response response, String says) {
        assertEquals(400, response.statusCode());
        assertNull(response.header("Location"), "no redirect to an address the registry does not list");
        assertTrue(response.body().asString().contains(says), response.body().asString());
    }

    @Test
    void aClientRemovedFromTheFileIsRefusedAtAuthorize() throws Exception {
        toTheUpstream(authorize("other-app", "https://other.example/cb"));
        rewriteWithout(original.replace(OTHER_APP_ENTRY, ""), "other-app");
        errorPage(authorize("other-app", "https://other.example/cb"), "not registered");
    }

    @Test
    void aChangedRedirectUriIsTheOnlyOneAccepted() throws Exception {
        toTheUpstream(authorize(Logins.APP, Logins.REDIRECT));
        String moved = "https://app.example/moved";
        rewrite(original.replace("\"https://app.example/cb\"", "\"" + moved + "\""), Logins.APP, c -> c.redirectUris().contains(moved));
        errorPage(authorize(Logins.APP, Logins.REDIRECT), "redirect_uri is not registered");
        toTheUpstream(authorize(Logins.APP, moved));
    }

    @Test
    void aNarrowerScopeIsAllThatALoginGrants() throws Exception {
        rewrite(original.replace("scope: \"openid profile email invoices.read media.play\"", "scope: \"openid profile\""),
                Logins.APP, c -> !c.scope().contains("media.play"));
        Logins.Login login = Logins.login("narrow-1");
        Logins.redeem(login.code(), login.verifier()).then().statusCode(200).body("scope", equalTo("openid profile"));
    }

    @Test
    void aRotatedSecretRefusesTheOldAndAcceptsTheNew() throws Exception {
        Optional<String> before = clients.client(Logins.APP).map(ClientEntry::secretHash);
        rewrite(original.replace("client_secret: ${TEST_APP_SECRET}", "client_secret: " + ROTATED_SECRET), Logins.APP,
                c -> !Optional.ofNullable(c.secretHash()).equals(before));
        for (String secret : List.of(Logins.APP_SECRET, ROTATED_SECRET)) {
            var response = given().auth().preemptive().basic(Logins.APP, secret).formParam("grant_type", "authorization_code")
                    .formParam("code", "not-a-code").formParam("redirect_uri", Logins.REDIRECT)
                    .formParam("code_verifier", Logins.verifier()).post("/token").then();
            if (secret.equals(Logins.APP_SECRET)) {
                response.statusCode(401).body("error", equalTo("invalid_client"));
            } else {
                response.statusCode(400).body("error", equalTo("invalid_grant"));
            }
        }
    }
}
