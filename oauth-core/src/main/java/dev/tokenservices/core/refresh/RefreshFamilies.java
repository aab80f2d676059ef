package dev.tokenservices.core.refresh;

import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.crypto.RecordSeal;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Refresh-token families (OAuth 2.0 Security BCP, RFC 9700 §4.14.2), the one model both
 * authorization servers use, in PostgreSQL. The rules:
 * <ul>
 * <li>A token is 256 random bits, base64url; only its SHA-256 is stored.
 * <li>A token is used once: using it marks it, and the rotation that follows adds the next token to
 * its family. Of truly concurrent presentations exactly one marks it (a row update under PostgreSQL's
 * row lock); every other one finds it used, which is a reuse.
 * <li>A used token presented again (stolen or replayed) revokes its whole family, including what a
 * rotation still in flight would hand out: a rotation adds its token only while the family row is
 * live, under that row's lock, so it either adds nothing or adds a token that is dead at once.
 * <li>A family ends at its absolute expiry, fixed when it starts ({@code maxLifetime}) and never
 * sliding; each token lives {@code tokenLifetime} (idle lifetime), never past its family's end.
 * <li>A family can be revoked as a whole (RFC 7009 /revoke, a replayed authorization code).
 * <li>A family carries an opaque payload (whom it speaks for, what it may be refreshed into),
 * replaced at each rotation and kept through a {@link PayloadSeal}: sealed under the master key where
 * it holds bearer credentials.
 * </ul>
 * Each service keeps its families in its own two tables ({@link Tables}) with the same columns.
 */
public final class RefreshFamilies {

    private static final Logger LOG = Logger.getLogger(RefreshFamilies.class);
    /** Longer presented tokens are not ours; they are not even hashed. */
    public static final int MAX_TOKEN_LENGTH = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The two tables of one service: families, and tokens by hash. */
    public record Tables(String family, String token) {
    }

    /** How a payload is kept at rest; the family id is bound to it, so a payload moved to another family does not open. */
    public interface PayloadSeal {
        String seal(String familyId, String payload);

        Optional<String> open(String familyId, String stored);

        /** AES-256-GCM under a key derived from the master key (for payloads that hold bearer credentials). */
        static PayloadSeal sealed(RecordSeal seal) {
            return new PayloadSeal() {
                @Override
                public String seal(String familyId, String payload) {
                    return seal.seal("refresh family " + familyId, payload);
                }

                @Override
                public Optional<String> open(String familyId, String stored) {
                    return seal.open("refresh family " + familyId, stored);
                }
            };
        }

        /** As is (for payloads with no secret in them). */
        static PayloadSeal clear() {
            return new PayloadSeal() {
                @Override
                public String seal(String familyId, String payload) {
                    return payload;
                }

                @Override
                public Optional<String> open(String familyId, String stored) {
                    return Optional.ofNullable(stored);
                }
            };
        }
    }

    /** A family as the service sees it: its payload opened. */
    public record Family(String familyId, String clientId, String payload) {
    }

    /** A new family and its first token. */
    public record Started(String familyId, String token) {
    }

    /** Outcome of presenting a refresh token. */
    public sealed interface Use permits Current, Reused, Expired, Unknown {
    }

    /** The token was current: it is now used, and the family may be rotated. */
    public record Current(Family family) implements Use {
    }

    /** A used token came back: its family is revoked; present when this reuse is what ended it. */
    public record Reused(Optional<Family> family) implements Use {
    }

    /** The family reached its absolute expiry: it is revoked now. */
    public record Expired(Family family) implements Use {
    }

    /** Not ours, another client's, past its idle lifetime, or of a family already ended. */
    public record Unknown() implements Use {
    }

    private final Pool pool;
    private final Clock clock;
    private final Duration tokenLifetime;
    private final Duration maxLifetime;
    private final DependencyGuard guard;
    private final PayloadSeal seal;
    private final String start;
    private final String rotate;
    private final String use;
    private final String current;
    private final String classify;
    private final String revokeFamily;
    private final String owner;

    /**
     * @param tokenLifetime how long each token can be used (each rotation starts a new period)
     * @param maxLifetime   absolute lifetime of a family, from its start
     * @param guard         the service's database guard (timeout → {@code temporarily_unavailable})
     */
    public RefreshFamilies(Pool pool, Clock clock, Tables tables, Duration tokenLifetime, Duration maxLifetime,
            DependencyGuard guard, PayloadSeal seal) {
        if (maxLifetime.isNegative() || maxLifetime.isZero() || tokenLifetime.isNegative() || tokenLifetime.isZero()) {
            throw new IllegalStateException("refresh-token lifetimes must be positive, got " + tokenLifetime + " and " + maxLifetime);
        }
        this.pool = pool;
        this.clock = clock;
        this.tokenLifetime = tokenLifetime;
        this.maxLifetime = maxLifetime;
        this.guard = guard;
        this.seal = seal;
        String f = tables.family();
        String t = tables.token();
        // a new family and its first token, in one statement
        this.start = "WITH f AS (INSERT INTO " + f + " (family_id, client_id, created_at, expires_at, payload)"
                + " VALUES ($2, $3, $4, $6, $7) RETURNING family_id, expires_at)"
                + " INSERT INTO " + t + " (token_hash, family_id, client_id, created_at, expires_at)"
                + " SELECT $1, family_id, $3, $4, LEAST($5, expires_at) FROM f";
        // a rotation: the payload is replaced and the next token added only while the family is live,
        // under the family row's lock, so a revocation committed first leaves nothing to add
        this.rotate = "WITH f AS (UPDATE " + f + " SET payload = $4 WHERE family_id = $2 AND client_id = $3"
                + " AND revoked_at IS NULL AND expires_at > $5 RETURNING family_id, expires_at)"
                + " INSERT INTO " + t + " (token_hash, family_id, client_id, created_at, expires_at)"
                + " SELECT $1, family_id, $3, $5, LEAST($6, expires_at) FROM f";
        // marks a token used, once, and only while its family is live (FOR SHARE: a revocation in progress is seen)
        this.use = "UPDATE " + t + " t SET used_at = $2 WHERE t.token_hash = $1 AND t.used_at IS NULL"
                + " AND t.expires_at > $2 AND t.client_id = $3"
                + " AND EXISTS (SELECT 1 FROM " + f + " f WHERE f.family_id = t.family_id AND f.revoked_at IS NULL"
                + " AND f.expires_at > $2 FOR SHARE)"
                + " RETURNING t.family_id, (SELECT payload FROM " + f + " f WHERE f.family_id = t.family_id) AS payload";
        // what use would find, changing nothing
        this.current = "SELECT t.family_id, f.payload FROM " + t + " t JOIN " + f + " f ON f.family_id = t.family_id"
                + " WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND t.client_id = $3"
                + " AND f.revoked_at IS NULL AND f.expires_at > $2";
        // why a token could not be used
        this.classify = "SELECT t.family_id, t.used_at IS NOT NULL AS used, f.revoked_at IS NOT NULL AS revoked,"
                + " f.expires_at <= $3 AS expired FROM " + t + " t JOIN " + f + " f ON f.family_id = t.family_id"
                + " WHERE t.token_hash = $1 AND t.client_id = $2";
        this.revokeFamily = "UPDATE " + f + " SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL"
                + " RETURNING family_id, client_id, payload";
        this.owner = "SELECT client_id, family_id FROM " + t + " WHERE token_hash = $1";
    }

    /** Starts a family for a login, with its absolute expiry, and returns its first token. */
    public Uni<Started> start(String clientId, String payload) {
        String token = randomToken();
        String familyId = randomToken();
        OffsetDateTime now = now();
        return guard.call(pool.preparedQuery(start).execute(Tuple.tuple(List.of(Hashes.sha256Hex(token), familyId,
                clientId, now, now.plus(tokenLifetime), now.plus(maxLifetime), seal.seal(familyId, payload)))))
                .map(rows -> new Started(familyId, token));
    }

    /**
     * Continues a family that was {@link Current} with its next payload and returns the next token;
     * empty when the family ended meanwhile (a reuse, a revocation, its absolute expiry): then nothing
     * was written.
     */
    public Uni<Optional<String>> rotate(Family family, String payload) {
        String token = randomToken();
        OffsetDateTime now = now();
        return guard.call(pool.preparedQuery(rotate).execute(Tuple.tuple(List.of(Hashes.sha256Hex(token),
                family.familyId(), family.clientId(), seal.seal(family.familyId(), payload), now, now.plus(tokenLifetime)))))
                .map(rows -> rows.rowCount() == 1 ? Optional.of(token) : Optional.empty());
    }

    /** Presents a token for {@code clientId}: marks it used when current; a reuse revokes its family. */
    public Uni<Use> use(String token, String clientId) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH) {
            return Uni.createFrom().item(new Unknown());
        }
        String hash = Hashes.sha256Hex(token);
        OffsetDateTime now = now();
        return guard.call(pool.preparedQuery(use).execute(Tuple.of(hash, now, clientId))).chain(rows -> {
            if (rows.size() == 1) {
                Row r = rows.iterator().next();
                String familyId = r.getString("family_id");
                return Uni.createFrom().item(seal.open(familyId, r.getString("payload"))
                        .<Use>map(payload -> new Current(new Family(familyId, clientId, payload)))
                        .orElseGet(Unknown::new));
            }
            return guard.call(pool.preparedQuery(classify).execute(Tuple.of(hash, clientId, now))).chain(found -> {
                if (found.size() == 0) {
                    return Uni.createFrom().item(new Unknown());
                }
                Row r = found.iterator().next();
                if (r.getBoolean("used")) {
                    return revoked(r.getString("family_id")).map(family -> {
                        if (family.isPresent()) {
                            LOG.warnf("refresh token reuse for client %s: its family was revoked", clientId);
                        }
                        return new Reused(family);
                    });
                }
                if (!r.getBoolean("revoked") && r.getBoolean("expired")) {
                    return revoked(r.getString("family_id"))
                            .map(family -> family.<Use>map(Expired::new).orElseGet(Unknown::new));
                }
                return Uni.createFrom().item(new Unknown());
            });
        });
    }

    /**
     * The family of a token {@link #use} would find {@link Current}, without using it: for the checks a
     * request can fail without spending its token (a {@code scope} or {@code resource} beyond the grant).
     * Empty for anything else, which {@link #use} then classifies. A family's payload changes only at a
     * rotation, which follows the use of its current token: what this returns is what that use will.
     */
    public Uni<Optional<Family>> current(String token, String clientId) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH) {
            return Uni.createFrom().item(Optional.empty());
        }
        return guard.call(pool.preparedQuery(current).execute(Tuple.of(Hashes.sha256Hex(token), now(), clientId))).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row r = rows.iterator().next();
            String familyId = r.getString("family_id");
            return seal.open(familyId, r.getString("payload")).map(payload -> new Family(familyId, clientId, payload));
        });
    }

    /** Ends a family (RFC 7009, a replayed code, a reuse); its payload when it was live until now. */
    public Uni<Optional<Family>> revokeFamily(String familyId) {
        return revoked(familyId);
    }

    /** The client a token was issued to, and its family, without changing anything. */
    public Uni<Optional<Owner>> owner(String token) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH) {
            return Uni.createFrom().item(Optional.empty());
        }
        return guard.call(pool.preparedQuery(owner).execute(Tuple.of(Hashes.sha256Hex(token))))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row r = rows.iterator().next();
                    return Optional.of(new Owner(r.getString("client_id"), r.getString("family_id")));
                });
    }

    /** Whose a token is. */
    public record Owner(String clientId, String familyId) {
    }

    private Uni<Optional<Family>> revoked(String familyId) {
        return guard.call(pool.preparedQuery(revokeFamily).execute(Tuple.of(familyId, now()))).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row r = rows.iterator().next();
            return seal.open(familyId, r.getString("payload")).map(payload -> new Family(familyId, r.getString("client_id"), payload));
        });
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Hashes.base64url(bytes);
    }
}
