package dev.tokenservices.shared.jose;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The key rotation rules, free of storage and clocks so they can be tested with fixed instants.
 *
 * <p>Keys are ordered by the instant they start signing. A key signs until the next one starts;
 * a new key is created {@code publishAhead} before it starts, so every verifier caching the JWKS
 * has it before the first token it signs; a retired key stays published for {@code retention}
 * (the longest token lifetime plus clock skew) so tokens it signed still verify.
 */
public final class KeySchedule {

    /** A key as far as the schedule is concerned. */
    public record Entry(String kid, KeyAlgorithm algorithm, Instant activatesAt) {
    }

    /** What to change: possibly a key to create (starting at the instant given), keys to delete. */
    public record Plan(Optional<Instant> createActivatingAt, List<String> deleteKids) {
        public boolean isEmpty() {
            return createActivatingAt.isEmpty() && deleteKids.isEmpty();
        }
    }

    private final KeyAlgorithm algorithm;
    private final Duration rotationPeriod;
    private final Duration publishAhead;

    public KeySchedule(KeyAlgorithm algorithm, Duration rotationPeriod, Duration publishAhead) {
        if (rotationPeriod.compareTo(publishAhead) <= 0) {
            throw new IllegalArgumentException("ts.keys.rotation-period (" + rotationPeriod
                    + ") must be longer than ts.keys.publish-ahead (" + publishAhead + ")");
        }
        this.algorithm = algorithm;
        this.rotationPeriod = rotationPeriod;
        this.publishAhead = publishAhead;
    }

    public Plan plan(List<Entry> keys, Instant now, Duration retention) {
        List<Entry> sorted = sorted(keys);
        Optional<Instant> create = Optional.empty();
        if (sorted.isEmpty()) {
            // first start: nothing to announce ahead of, sign at once
            create = Optional.of(now);
        } else {
            Entry newest = sorted.get(sorted.size() - 1);
            boolean pending = newest.activatesAt().isAfter(now);
            if (!pending) {
                Instant due = newest.activatesAt().plus(rotationPeriod);
                boolean algorithmChanged = newest.algorithm() != algorithm;
                if (algorithmChanged || !now.isBefore(due.minus(publishAhead))) {
                    Instant earliest = now.plus(publishAhead);
                    create = Optional.of(algorithmChanged || due.isBefore(earliest) ? earliest : due);
                }
            }
        }
        List<String> delete = new ArrayList<>();
        for (int i = 0; i + 1 < sorted.size(); i++) {
            if (retired(sorted, i, now, retention)) {
                delete.add(sorted.get(i).kid());
            }
        }
        return new Plan(create, delete);
    }

    /** The key that signs at {@code now}: the latest one that has started. */
    public static <K> Optional<K> active(List<K> keys, java.util.function.Function<K, Instant> activatesAt, Instant now) {
        K active = null;
        for (K key : keys) {
            Instant start = activatesAt.apply(key);
            if (!start.isAfter(now) && (active == null || start.isAfter(activatesAt.apply(active)))) {
                active = key;
            }
        }
        return Optional.ofNullable(active);
    }

    /** Whether the key at {@code index} has been replaced for longer than {@code retention}. */
    public static boolean retired(List<Entry> sorted, int index, Instant now, Duration retention) {
        if (index + 1 >= sorted.size()) {
            return false;
        }
        Instant successorStart = sorted.get(index + 1).activatesAt();
        return !successorStart.isAfter(now) && !successorStart.plus(retention).isAfter(now);
    }

    public static List<Entry> sorted(List<Entry> keys) {
        List<Entry> sorted = new ArrayList<>(keys);
        sorted.sort(Comparator.comparing(Entry::activatesAt).thenComparing(Entry::kid));
        return sorted;
    }
}
