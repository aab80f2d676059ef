package dev.tokenservices.shared.jose;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * An issuer's signing keys in PostgreSQL, through Hibernate Reactive. Rotation runs in one
 * transaction under an advisory lock (a native query: the lock has no JPQL form), so any number of
 * instances rotating at once produce exactly one new key and agree on which signs. Only the key
 * refresh uses it; requests read the keys from memory ({@link SigningKeys}).
 */
public final class KeyRepository {

    /** Arbitrary constant naming the "signing key rotation" advisory lock. */
    static final long ROTATION_LOCK = 0x7453_4b65_7973L;

    /** A key row as stored: the private key is still sealed. */
    public record StoredKey(String kid, KeyAlgorithm algorithm, String publicJwk, byte[] sealedPrivateKey,
            Instant createdAt, Instant activatesAt) {
    }

    /** A freshly generated key waiting to be inserted, should the schedule ask for one. */
    public record NewKey(String kid, KeyAlgorithm algorithm, String publicJwk, byte[] sealedPrivateKey) {
    }

    /** One transaction of the service's reactive session (Panache's {@code withTransaction}). */
    @FunctionalInterface
    public interface Transactions {
        <T> Uni<T> inTransaction(Function<Mutiny.Session, Uni<T>> work);
    }

    private final Class<? extends SigningKeyRow> entity;
    private final Supplier<? extends SigningKeyRow> newRow;
    private final Transactions transactions;
    private final long lock;
    /** The one algorithm whose rows this repository sees, or null for every row of the table. */
    private final KeyAlgorithm family;

    /**
     * @param entity each issuer keeps its keys in its own table (created by that service's
     *               migrations), mapped by its own entity
     * @param table  that table, which names the rotation lock (the same lock as every earlier version)
     */
    public <E extends SigningKeyRow> KeyRepository(Class<E> entity, Supplier<E> newRow, String table, Transactions transactions) {
        this.entity = entity;
        this.newRow = newRow;
        this.transactions = transactions;
        this.lock = ROTATION_LOCK ^ table.hashCode();
        this.family = null;
    }

    private KeyRepository(KeyRepository table, KeyAlgorithm family) {
        this.entity = table.entity;
        this.newRow = table.newRow;
        this.transactions = table.transactions;
        this.lock = table.lock;
        this.family = family;
    }

    /**
     * The keys of one algorithm in the same table: an issuer that signs with several algorithms keeps
     * one key family per algorithm, each rotating on its own schedule (under the table's one lock),
     * and sees only that family's rows when it plans, loads and deletes.
     */
    public KeyRepository family(KeyAlgorithm algorithm) {
        return new KeyRepository(this, algorithm);
    }

    @Override
    public String toString() {
        return family == null ? entity.getSimpleName() : entity.getSimpleName() + "[" + family + "]";
    }

    public Uni<List<StoredKey>> loadAll() {
        return transactions.inTransaction(this::loadAll);
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
        return transactions.inTransaction(session -> session.createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(?1)")
                .setParameter(1, lock).getSingleResult()
                .chain(() -> loadAll(session))
                .chain(stored -> {
                    KeySchedule.Plan plan = schedule.plan(stored.stream()
                            .map(k -> new KeySchedule.Entry(k.kid(), k.algorithm(), k.activatesAt())).toList(), now, retention);
                    return delete(session, plan.deleteKids())
                            .chain(() -> plan.createActivatingAt()
                                    .flatMap(start -> candidate.apply(start).map(key -> insert(session, key, now, start)))
                                    .orElse(Uni.createFrom().voidItem()))
                            .replaceWith(plan);
                }));
    }

    private Uni<List<StoredKey>> loadAll(Mutiny.Session session) {
        if (family != null) {
            return session.createSelectionQuery("from " + entity.getSimpleName() + " where algorithm = :alg order by activatesAt, kid", entity)
                    .setParameter("alg", family.name()).getResultList()
                    .map(rows -> rows.stream().map(SigningKeyRow::stored).toList());
        }
        return session.createSelectionQuery("from " + entity.getSimpleName() + " order by activatesAt, kid", entity)
                .getResultList()
                .map(rows -> rows.stream().map(SigningKeyRow::stored).toList());
    }

    private Uni<Void> delete(Mutiny.Session session, List<String> kids) {
        if (kids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return session.createMutationQuery("delete from " + entity.getSimpleName() + " where kid in (:kids)")
                .setParameter("kids", kids).executeUpdate().replaceWithVoid();
    }

    private Uni<Void> insert(Mutiny.Session session, NewKey key, Instant now, Instant activatesAt) {
        SigningKeyRow row = newRow.get();
        row.fill(key, now, activatesAt);
        return session.persist(row).chain(session::flush);
    }
}
