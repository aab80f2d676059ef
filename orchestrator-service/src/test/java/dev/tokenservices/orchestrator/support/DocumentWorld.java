package dev.tokenservices.orchestrator.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** The https server that serves client metadata documents, started once, trusted through a test trust store. */
public class DocumentWorld implements QuarkusTestResourceLifecycleManager {

    public static DocumentServer documents;

    @Override
    public synchronized Map<String, String> start() {
        try {
            if (documents == null) {
                documents = new DocumentServer("127.0.0.1");
            }
            return Map.of("orchestrator.cimd.trust-store", documents.trustStore().toString(),
                    "orchestrator.cimd.trust-store-password", DocumentServer.PASSWORD);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        // kept for the next Quarkus start of this test run
    }
}
