package dev.tokenservices.orchestrator.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The orchestrator with clients nobody vetted switched on, as the README says to do it: Client ID
 * Metadata Documents from loopback (the tests' https server, its certificate in a test trust store),
 * registration with an initial access token, both capped below the file's clients. 127.0.0.1 is a
 * trusted proxy, so that each test can register under an address of its own.
 */
public class UnvettedClients implements QuarkusTestProfile {

    public static final String REGISTRATION_TOKEN = "registration-token-0123456789abcdefghijklmnop";
    public static final String MAX_SCOPE = "openid profile email invoices.read";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("orchestrator.cimd.allow-loopback", "true", "orchestrator.registration.token", REGISTRATION_TOKEN,
                "orchestrator.registration.max-scope", MAX_SCOPE, "orchestrator.cimd.max-concurrent-fetches", "4",
                "orchestrator.trusted-proxies", "127.0.0.1/32, ::1/128");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(TestWorld.class), new TestResourceEntry(DocumentWorld.class));
    }
}
