package dev.tokenservices.token.db;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Creates and migrates the schema at start-up: each script under {@code db/migration} runs once,
 * in order, recorded in {@code schema_version}. An advisory lock lets several instances start at
 * the same time.
 */
@ApplicationScoped
public class SchemaMigrator {

    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class);
    private static final long MIGRATION_LOCK = 0x7453_4d69_6772L;
    /** Applied in this order; a released script is never edited, only followed by a new one. */
    static final List<String> MIGRATIONS = List.of("V1__registry_and_keys.sql", "V2__refresh_tokens.sql");

    private final Pool pool;

    public SchemaMigrator(Pool pool) {
        this.pool = pool;
    }

    public void migrate() {
        pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(MIGRATION_LOCK))
                        .chain(() -> conn.query("CREATE TABLE IF NOT EXISTS schema_version (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())").execute())
                        .chain(() -> applyAll(conn, 0)))
                .await().atMost(Duration.ofSeconds(60));
    }

    private Uni<Void> applyAll(SqlConnection conn, int index) {
        if (index == MIGRATIONS.size()) {
            return Uni.createFrom().voidItem();
        }
        String name = MIGRATIONS.get(index);
        return conn.preparedQuery("SELECT 1 FROM schema_version WHERE version = $1").execute(Tuple.of(name))
                .chain(rows -> {
                    if (rows.size() > 0) {
                        return Uni.createFrom().voidItem();
                    }
                    LOG.infof("applying database migration %s", name);
                    return conn.query(script(name)).execute()
                            .chain(() -> conn.preparedQuery("INSERT INTO schema_version (version) VALUES ($1)").execute(Tuple.of(name)))
                            .replaceWithVoid();
                })
                .chain(() -> applyAll(conn, index + 1));
    }

    private static String script(String name) {
        try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream("db/migration/" + name)) {
            if (in == null) {
                throw new IllegalStateException("migration " + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
