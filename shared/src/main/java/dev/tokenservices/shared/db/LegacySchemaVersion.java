package dev.tokenservices.shared.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Where Flyway takes over a schema: the services migrated themselves before, recording each
 * applied script by file name ({@code V3__refresh_families.sql}) in a version table of their own.
 * Both services keep their tables in one schema, so Flyway finds it non-empty without a history of
 * its own whenever the other service has started first; it then records a baseline and applies only
 * the scripts above it. The baseline is the highest script the old table records, or 0 where there
 * is none (every script runs).
 */
public final class LegacySchemaVersion {

    private static final Pattern SCRIPT = Pattern.compile("V(\\d+)__.+\\.sql");

    private LegacySchemaVersion() {
    }

    /**
     * @param legacyTable the version table the service wrote before Flyway
     * @throws IllegalStateException saying PostgreSQL cannot be connected to, and why, without the driver's stack
     */
    public static String baseline(DataSource dataSource, String legacyTable) {
        try (Connection connection = dataSource.getConnection()) {
            if (!exists(connection, legacyTable)) {
                return "0";
            }
            int highest = 0;
            try (PreparedStatement select = connection.prepareStatement("SELECT version FROM " + checked(legacyTable));
                    ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    highest = Math.max(highest, version(rows.getString(1)));
                }
            }
            return Integer.toString(highest);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to PostgreSQL to migrate the schema (PG_URL): " + e.getMessage());
        }
    }

    static int version(String script) {
        Matcher m = SCRIPT.matcher(script);
        if (!m.matches()) {
            throw new IllegalStateException("the version table records " + script + ", which is no migration script name");
        }
        return Integer.parseInt(m.group(1));
    }

    private static boolean exists(Connection connection, String table) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            query.setString(1, checked(table));
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    private static String checked(String table) {
        if (!table.matches("[a-z_]+")) {
            throw new IllegalArgumentException("table name " + table);
        }
        return table;
    }
}
