package dev.tokenservices.orchestrator.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many logins at once with Redis healthy: none may fail as "temporarily unavailable". (Quarkus'
 * Redis pool refuses a command at once when more than {@code max-pool-waiting}, 24 by default, wait
 * for one of its 6 connections; 64 logins in flight are far from a heavy load.)
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class ConcurrentLoginsTest {

    @Test
    void sixtyFourLoginsAtOnceAllSucceed() throws Exception {
        int n = 64;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String sub = "parallel-" + i;
                results.add(pool.submit(() -> {
                    Logins.Login login = Logins.login(sub);
                    Map<String, String> q = login.result();
                    if (q.get("code") == null) {
                        return "callback: " + login.callback().statusCode() + " " + login.callback().header("Location");
                    }
                    int status = Logins.redeem(q.get("code"), login.verifier()).statusCode();
                    return status == 200 ? "ok" : "redeem: HTTP " + status;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (Future<String> result : results) {
                String outcome;
                try {
                    outcome = result.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    outcome = String.valueOf(e.getCause());
                }
                if (!outcome.equals("ok")) {
                    failures.add(outcome);
                }
            }
            assertTrue(failures.isEmpty(), () -> failures.size() + " of " + n + " logins failed, e.g. " + failures.get(0));
            assertEquals(n, results.size());
        } finally {
            pool.shutdownNow();
        }
    }
}
