package dev.tokenservices.shared.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PgUrlConfigSourceTest {

    @Test
    void splitsUserPasswordAndDatabase() {
        Map<String, String> p = PgUrlConfigSource.parse("postgresql://ts:p%40ss@db.internal:6543/tokens", null);
        assertEquals("postgresql://db.internal:6543/tokens", p.get("quarkus.datasource.reactive.url"));
        assertEquals("jdbc:postgresql://db.internal:6543/tokens", p.get("quarkus.datasource.jdbc.url"), "the migrations' JDBC pool, same database");
        assertEquals("ts", p.get("quarkus.datasource.username"));
        assertEquals("p@ss", p.get("quarkus.datasource.password"));
    }

    @Test
    void withoutAUserTheUserComesFromPgUserAsForLibpq() {
        Map<String, String> p = PgUrlConfigSource.parse("postgresql://127.0.0.1/tokenservices", "alice");
        assertEquals("postgresql://127.0.0.1:5432/tokenservices", p.get("quarkus.datasource.reactive.url"));
        assertEquals("jdbc:postgresql://127.0.0.1:5432/tokenservices", p.get("quarkus.datasource.jdbc.url"));
        assertEquals("alice", p.get("quarkus.datasource.username"));
        assertFalse(p.containsKey("quarkus.datasource.password"));
    }

    @Test
    void unsetMeansNoOpinion() {
        assertTrue(new PgUrlConfigSource(null, null).getProperties().isEmpty());
    }

    @Test
    void otherSchemesAreRefusedWithTheExpectedForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PgUrlConfigSource.parse("mysql://x/y", null));
        assertTrue(e.getMessage().contains("postgresql://user[:password]@host:port/database"));
    }
}
