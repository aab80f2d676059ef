package dev.tokenservices.portal.registry;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenservices.portal.support.DeviceRecords;
import dev.tokenservices.portal.support.DeviceRecords.Device;
import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.support.TestOidcProvider;
import dev.tokenservices.shared.device.DeviceCodes;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry file is the only truth of the running portal: rewritten while it runs (as a mounted
 * ConfigMap changes), a device whose client the file no longer lists is unknown and gets nothing, and
 * a renamed client is shown by its new name.
 */
@QuarkusTest
@WithTestResource(TestOidcProvider.class)
@TestProfile(RegistryFileReloadTest.QuickReload.class)
class RegistryFileReloadTest {

    /** A copy of the test registry that the tests rewrite, checked every 100 ms. */
    static final Path FILE = copyOfTheTestRegistry();

    public static class QuickReload implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("portal.registry", FILE.toString(), "portal.registry-refresh-interval", "100ms");
        }
    }

    private static Path copyOfTheTestRegistry() {
        try {
            Path copy = Files.createTempFile("portal-registry", ".yaml");
            copy.toFile().deleteOnExit();
            return Files.write(copy, Files.readAllBytes(Path.of("src/test/resources/test-registry.yaml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String NAMELESS_BOX_ENTRY = """
              - client_id: nameless-box
                token_endpoint_auth_method: none
                grant_types: ["urn:ietf:params:oauth:grant-type:device_code"]
                scope: "media.play"
            """;

    @Inject
    RedisDataSource redis;

    @Inject
    DeviceClients clients;

    private DeviceRecords records;
    private String original;

    @BeforeEach
    void setUp() throws IOException {
        records = new DeviceRecords(redis);
        original = Files.readString(Path.of("src/test/resources/test-registry.yaml"));
    }

    @AfterEach
    void restoreTheFile() throws Exception {
        rewrite(original, () -> clients.find("nameless-box").isPresent() && clients.displayName("tv-app").equals("Living-room TV"));
    }

    /** Writes the file and waits until the portal has taken it. */
    private static void rewrite(String yaml, BooleanSupplier taken) throws Exception {
        Files.writeString(FILE, yaml);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!taken.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void aDeviceWhoseClientWasRemovedIsUnknownAndNothingIsRecorded() throws Exception {
        Device device = records.pending("nameless-box", "media.play");
        PortalBrowser browser = new PortalBrowser();
        Response page = browser.consentPage(device.userCode(), "ann");
        page.then().statusCode(200).body(containsString("<span id=\"client-name\">nameless-box</span>"));
        rewrite(original.replace(NAMELESS_BOX_ENTRY, ""), () -> clients.find("nameless-box").isEmpty());
        browser.consentPage(device.userCode(), "ann").then().statusCode(403)
                .body(containsString("not registered")).body(not(containsString("name=\"decision\"")));
        browser.post("/device/consent?user_code=" + device.userCode(),
                Map.of("decision", "approve", "csrf", PortalBrowser.csrfOf(page))).then().statusCode(403)
                .body(containsString("not registered"));
        assertEquals(DeviceCodes.State.PENDING.wire(), records.read(device).get(DeviceCodes.STATUS), "no decision for a client no longer registered");
    }

    @Test
    void aRenamedClientIsShownByItsNewName() throws Exception {
        rewrite(original.replace("client_name: \"Living-room TV\"", "client_name: \"Kitchen TV\""),
                () -> clients.displayName("tv-app").equals("Kitchen TV"));
        Device device = records.pending("tv-app", "media.play");
        new PortalBrowser().consentPage(device.userCode(), "ann").then().statusCode(200)
                .body(containsString("<span id=\"client-name\">Kitchen TV</span>"));
    }
}
