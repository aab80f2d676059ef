package dev.tokenservices.token.config;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tokenservices.shared.config.PgUrlConfigSource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A database the service migrated itself before Flyway (scripts V1 to V3 recorded by file name in
 * {@code schema_version}) is taken over where it stands: Flyway records a baseline at 3 and runs
 * none of those scripts again, and the service serves from the tables as they were. The database
 * is a schema of its own, prepared before the service starts.
 */
@QuarkusTest
@TestProfile(LegacySchemaUpgradeTest.Legacy.class)
class LegacySchemaUpgradeTest {

    static final String SCHEMA = "legacy_upgrade_test";

    @Test
    void flywayContinuesFromTheScriptsTheOldVersionTableRecords() throws SQLException {
        List<String> history = new ArrayList<>();
        try (Connection c = LegacyDatabase.connect(); Statement s = c.createStatement();
                ResultSet rows = s.executeQuery("SELECT version, type FROM token_service_schema_history ORDER BY installed_rank")) {
            while (rows.next()) {
                history.add(rows.getString(1) + " " + rows.getString(2));
            }
        }
        assertFalse(history.isEmpty(), "Flyway keeps its history in token_service_schema_history");
        assertEquals("3 BASELINE", history.get(0), "the baseline is the highest script schema_version records");
        assertFalse(history.stream().anyMatch(h -> h.matches("[123] SQL")), "no script already applied runs again: " + history);
    }

    @Test
    void aScriptAlreadyAppliedDoesNotRunAgain() throws SQLException {
        // V3 creates a family row for every token's family: the family deleted after V3 stays deleted
        try (Connection c = LegacyDatabase.connect(); Statement s = c.createStatement();
                ResultSet rows = s.executeQuery("SELECT count(*) FROM refresh_family WHERE family_id = 'family-deleted-after-v3'")) {
            rows.next();
            assertEquals(0, rows.getInt(1));
        }
    }

    @Test
    void theServiceServesFromTheTablesItFound() {
        given().get("/jwks").then().statusCode(200).body("keys", hasSize(1));
    }

    public static class Legacy implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(LegacyDatabase.class));
        }
    }

    /** The schema as SchemaMigrator left it: V1 to V3 applied and recorded, one row changed since. */
    public static class LegacyDatabase implements QuarkusTestResourceLifecycleManager {

        static Map<String, String> database() {
            String pgUrl = System.getenv("PG_URL");
            return PgUrlConfigSource.parse(pgUrl == null || pgUrl.isBlank()
                    ? "postgresql://tokenservices:tokenservices@127.0.0.1:5432/tokenservices_test" : pgUrl, null);
        }

        static Connection connect() throws SQLException {
            Map<String, String> db = database();
            return DriverManager.getConnection(db.get("quarkus.datasource.jdbc.url") + "?currentSchema=" + SCHEMA,
                    db.get("quarkus.datasource.username"), db.get("quarkus.datasource.password"));
        }

        @Override
        public Map<String, String> start() {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
                s.execute("CREATE SCHEMA " + SCHEMA);
                s.execute("CREATE TABLE schema_version (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
                for (String script : List.of("V1__registry_and_keys.sql", "V2__refresh_tokens.sql", "V3__refresh_families.sql")) {
                    s.execute(script(script));
                    s.execute("INSERT INTO schema_version (version) VALUES ('" + script + "')");
                }
                s.execute("INSERT INTO refresh_token (token_hash, family_id, client_id, subject, idp, claims, scope, created_at, expires_at)"
                        + " VALUES ('h', 'family-deleted-after-v3', 'c', 's', 'i', '{}', 'openid', now(), now() + interval '1 day')");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            Map<String, String> db = database();
            return Map.of("quarkus.datasource.jdbc.url", db.get("quarkus.datasource.jdbc.url") + "?currentSchema=" + SCHEMA,
                    "quarkus.datasource.reactive.url", db.get("quarkus.datasource.reactive.url") + "?search_path=" + SCHEMA);
        }

        private static String script(String name) {
            try (InputStream in = LegacySchemaUpgradeTest.class.getClassLoader().getResourceAsStream("db/migration/" + name)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void stop() {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + SCHEMA + " CASCADE");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
