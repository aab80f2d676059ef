package dev.tokenservices.shared.jose;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Signing keys in PostgreSQL. Rotation runs in one transaction under an advisory lock, so any
 * number of instances rotating at once produce exactly one new key and agree on which signs.
 */
public class KeyRepository {

    /** Arbitrary constant naming the "signing key rotation" advisory lock. */
    static final long ROTATION_LOCK = 0x7453_4b65_7973L;

    /** A key row as stored: the private key is still sealed. */
    public record StoredKey(String kid, KeyAlgorithm algorithm, String publicJwk, byte[] sealedPrivateKey,
            Instant createdAt, Instant activatesAt) {
    }

    /** A freshly generated key waiting to be inserted, should the schedule ask for one. */
    public record NewKey(String kid, KeyAlgorithm algorithm, String publicJwk, byte[] sealedPrivateKey) {
    }

    private final Pool pool;
    private final String table;
    private final long lock;

    /**
     * @param table each issuer keeps its keys in its own table (created by that service's migrations),
     *              with the columns kid, alg, public_jwk, private_key, created_at, activates_at
     */
    public KeyRepository(Pool pool, String table) {
        if (!table.matches("[a-z_]+")) {
            throw new IllegalArgumentException("table name " + table);
        }
        this.pool = pool;
        this.table = table;
        this.lock = ROTATION_LOCK ^ table.hashCode();
    }

    @Override
    public String toString() {
        return table;
    }

    public Uni<List<StoredKey>> loadAll() {
        return pool.query("SELECT kid, alg, public_jwk, private_key, created_at, activates_at FROM " + table + " ORDER BY activates_at, kid")
                .execute()
                .map(rows -> {
                    List<StoredKey> keys = new ArrayList<>();
                    for (Row row : rows) {
                        keys.add(new StoredKey(row.getString("kid"), KeyAlgorithm.valueOf(row.getString("alg")),
                                row.getString("public_jwk"), row.getBuffer("private_key").getBytes(),
                                row.getOffsetDateTime("created_at").toInstant(),
                                row.getOffsetDateTime("activates_at").toInstant()));
                    }
                    return keys;
                });
    }

    /**
     * Applies the schedule to the stored keys: creates the next key from {@code candidate} when one
     * is due, deletes keys retired for longer than {@code retention}.
     *
     * @param candidate makes a key for a given start instant, or empty when none was prepared
     * @return the plan as decided under the lock
     */
    public Uni<KeySchedule.Plan> rotate(KeySchedule schedule, Instant now, Duration retention,
            Function<Instant, Optional<NewKey>> candidate) {
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)")
                .execute(Tuple.of(lock))
                .chain(() -> conn.query("SELECT kid, alg, activates_at FROM " + table).execute())
                .chain(rows -> {
                    List<KeySchedule.Entry> entries = new ArrayList<>();
                    for (Row row : rows) {
                        entries.add(new KeySchedule.Entry(row.getString("kid"), KeyAlgorithm.valueOf(row.getString("alg")),
                                row.getOffsetDateTime("activates_at").toInstant()));
                    }
                    KeySchedule.Plan plan = schedule.plan(entries, now, retention);
                    return delete(conn, plan.deleteKids())
                            .chain(() -> plan.createActivatingAt()
                                    .flatMap(start -> candidate.apply(start).map(key -> insert(conn, key, now, start)))
                                    .orElse(Uni.createFrom().voidItem()))
                            .replaceWith(plan);
                }));
    }

    private Uni<Void> delete(SqlConnection conn, List<String> kids) {
        if (kids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("DELETE FROM " + table + " WHERE kid = ANY($1)")
                .execute(Tuple.of(kids.toArray(String[]::new)))
                .replaceWithVoid();
    }

    private Uni<Void> insert(SqlConnection conn, NewKey key, Instant now, Instant activatesAt) {
        return conn.preparedQuery("INSERT INTO " + table + " (kid, alg, public_jwk, private_key, created_at, activates_at)"
                        + " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kid) DO NOTHING")
                .execute(Tuple.tuple(List.of(key.kid(), key.algorithm().name(), key.publicJwk(),
                        io.vertx.core.buffer.Buffer.buffer(key.sealedPrivateKey()),
                        OffsetDateTime.ofInstant(now, ZoneOffset.UTC), OffsetDateTime.ofInstant(activatesAt, ZoneOffset.UTC))))
                .replaceWithVoid();
    }
}
