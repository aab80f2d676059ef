package dev.tokenservices.shared.db;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Creates and migrates a service's schema at start-up: each script runs once, in order, recorded in
 * the service's version table. An advisory lock lets several instances start at the same time.
 * A released script is never edited, only followed by a new one.
 */
public final class SchemaMigrator {

    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class);
    private static final long MIGRATION_LOCK = 0x7453_4d69_6772L;

    private final Pool pool;
    private final String versionTable;
    private final String directory;
    private final List<String> migrations;

    /**
     * @param versionTable where applied scripts are recorded (one per service)
     * @param directory    classpath folder of the scripts, e.g. {@code db/migration}
     * @param migrations   script names, applied in this order
     */
    public SchemaMigrator(Pool pool, String versionTable, String directory, List<String> migrations) {
        if (!versionTable.matches("[a-z_]+")) {
            throw new IllegalArgumentException("table name " + versionTable);
        }
        this.pool = pool;
        this.versionTable = versionTable;
        this.directory = directory;
        this.migrations = List.copyOf(migrations);
    }

    public void migrate() {
        pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(MIGRATION_LOCK))
                        // created only when missing: "IF NOT EXISTS" alone makes PostgreSQL send a notice at every start
                        .chain(() -> conn.preparedQuery("SELECT to_regclass($1) IS NULL AS missing").execute(Tuple.of(versionTable)))
                        .chain(rows -> rows.iterator().next().getBoolean("missing")
                                ? conn.query("CREATE TABLE " + versionTable + " (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())").execute().replaceWithVoid()
                                : Uni.createFrom().voidItem())
                        .chain(() -> applyAll(conn, 0)))
                .await().atMost(Duration.ofSeconds(60));
    }

    private Uni<Void> applyAll(SqlConnection conn, int index) {
        if (index == migrations.size()) {
            return Uni.createFrom().voidItem();
        }
        String name = migrations.get(index);
        return conn.preparedQuery("SELECT 1 FROM " + versionTable + " WHERE version = $1").execute(Tuple.of(name))
                .chain(rows -> {
                    if (rows.size() > 0) {
                        return Uni.createFrom().voidItem();
                    }
                    LOG.infof("applying database migration %s", name);
                    return conn.query(script(name)).execute()
                            .chain(() -> conn.preparedQuery("INSERT INTO " + versionTable + " (version) VALUES ($1)").execute(Tuple.of(name)))
                            .replaceWithVoid();
                })
                .chain(() -> applyAll(conn, index + 1));
    }

    private String script(String name) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(directory + "/" + name)) {
            if (in == null) {
                throw new IllegalStateException("migration " + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
