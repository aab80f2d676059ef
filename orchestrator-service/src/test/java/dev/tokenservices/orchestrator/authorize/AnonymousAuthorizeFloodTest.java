package dev.tokenservices.orchestrator.authorize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * A flood of anonymous {@code /authorize} requests from one address writes nothing to Redis
 * ("Trust and abuse": no unbounded state from anonymous callers). The orchestrator runs on a Redis
 * database of its own here, so that every {@code orch:} key that appears there is its doing (other
 * test runs share the server's default database).
 */
@QuarkusTest
@TestProfile(AnonymousAuthorizeFloodTest.OwnRedisDatabase.class)
class AnonymousAuthorizeFloodTest {

    public static class OwnRedisDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:6379/13");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestWorld.class));
        }
    }

    @Inject
    RedisDataSource redis;

    private Set<String> orchestratorKeys() {
        return new HashSet<>(redis.key().keys("orch:*"));
    }

    @Test
    void fiveHundredAnonymousAuthorizeRequestsAddNoRedisKey() {
        Set<String> before = orchestratorKeys();
        for (int i = 0; i < 500; i++) {
            Response response = Logins.authorize(Logins.APP, Logins.REDIRECT, "openid", Logins.verifier(), "flood-" + i, "n-" + i,
                    null, Map.of());
            assertEquals(302, response.statusCode());
            assertTrue(response.header("Location").startsWith(TestWorld.upstream.issuer()), response.header("Location"));
        }
        Set<String> added = orchestratorKeys();
        added.removeAll(before);
        assertEquals(0, added.size(), () -> added.size() + " keys added, e.g. " + added.iterator().next());

        // the count looks where the orchestrator writes: a completed login does add its session and code
        Logins.Login login = Logins.login("flood-" + UUID.randomUUID());
        assertTrue(Forms.query(login.callback().header("Location")).containsKey("code"));
        Set<String> afterLogin = orchestratorKeys();
        afterLogin.removeAll(before);
        assertFalse(afterLogin.isEmpty());
    }
}
