package dev.tokenservices.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;

/**
 * A Quarkus test resource that puts a {@link TcpProxy} between the service and the real Redis (6379)
 * and PostgreSQL (5432, the run's database, for requests and migrations alike), so that a test can
 * cut, freeze and restore them. The init argument {@value #TIMEOUT_PROPERTY} names the service's
 * dependency-timeout setting, which is set to 2 s.
 */
public class DependencyProxies implements QuarkusTestResourceLifecycleManager {

    public static final String TIMEOUT_PROPERTY = "timeout-property";

    /** Shared with the test, which cuts and restores them. */
    public static TcpProxy redis;
    public static TcpProxy postgres;

    private String timeoutProperty;

    @Override
    public void init(Map<String, String> initArgs) {
        timeoutProperty = initArgs.get(TIMEOUT_PROPERTY);
        if (timeoutProperty == null) {
            throw new IllegalArgumentException("init argument " + TIMEOUT_PROPERTY + " is required");
        }
    }

    @Override
    public Map<String, String> start() {
        try {
            redis = new TcpProxy(6379);
            postgres = new TcpProxy(5432);
            redis.start();
            postgres.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "quarkus.redis.hosts", "redis://127.0.0.1:" + redis.port(),
                "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + postgres.port() + "/" + database(),
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + database(),
                timeoutProperty, "2s");
    }

    /** The database the run uses: PG_URL's when set (as for the other tests), else the test profile's. */
    private static String database() {
        String pgUrl = System.getenv("PG_URL");
        String path = pgUrl == null || pgUrl.isBlank() ? null : URI.create(pgUrl.trim()).getPath();
        return path == null || path.length() <= 1 ? "tokenservices_test" : path.substring(1);
    }

    @Override
    public void stop() {
        try {
            redis.close();
            postgres.close();
        } catch (IOException ignored) {
            // test over
        }
    }
}
