package dev.tokenservices.token.grant.refresh;

import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Refresh tokens in PostgreSQL, kept only as SHA-256, in families (OAuth 2.0 Security BCP, RFC 9700
 * §4.14.2). A token is used once: using it marks it and a new token joins its family; presenting a
 * used token again means it was stolen or replayed, and the family is revoked.
 *
 * <p>The family row ({@code refresh_family}) is what makes this hold under concurrency. A token is
 * usable only while its family is neither revoked nor past its absolute expiry, checked under a lock
 * on the family row; a rotation inserts its new token only while the family is live. So a rotation
 * still waiting on the scope authorities when a reuse revokes the family either inserts nothing
 * ({@code invalid_grant}) or inserts a token that is dead at once, whatever the timing. The family's
 * expiry is fixed at login ({@code ts.refresh.max-lifetime}) and never slides.
 */
@ApplicationScoped
public class RefreshTokenStore {

    private static final Logger LOG = Logger.getLogger(RefreshTokenStore.class);
    private static final String UNUSABLE = "the refresh token is invalid, expired, revoked or already used";

    /** A new family and its first token, in one statement. */
    private static final String ISSUE_FIRST = "WITH family AS (INSERT INTO refresh_family (family_id, client_id, created_at, expires_at)"
            + " VALUES ($2, $3, $8, $10) RETURNING family_id, expires_at)"
            + " INSERT INTO refresh_token (token_hash, family_id, client_id, subject, idp, claims, scope, created_at, expires_at)"
            + " SELECT $1, family_id, $3, $4, $5, $6, $7, $8, LEAST($9, expires_at) FROM family";
    /** A rotation's token: inserted only while the family is live; FOR SHARE waits for a revocation in progress. */
    private static final String ISSUE_NEXT = "INSERT INTO refresh_token (token_hash, family_id, client_id, subject, idp, claims,"
            + " scope, created_at, expires_at)"
            + " SELECT $1, f.family_id, $3, $4, $5, $6, $7, $8, LEAST($9, f.expires_at) FROM refresh_family f"
            + " WHERE f.family_id = $2 AND f.client_id = $3 AND f.revoked_at IS NULL AND f.expires_at > $8 FOR SHARE";
    /** Marks a token used, once, and only while its family is live (locked, so a concurrent revocation is seen). */
    private static final String USE = "UPDATE refresh_token t SET used_at = $2 WHERE t.token_hash = $1 AND t.used_at IS NULL"
            + " AND t.revoked_at IS NULL AND t.expires_at > $2 AND t.client_id = $3"
            + " AND EXISTS (SELECT 1 FROM refresh_family f WHERE f.family_id = t.family_id AND f.revoked_at IS NULL"
            + " AND f.expires_at > $2 FOR SHARE)"
            + " RETURNING t.family_id, t.client_id, t.subject, t.idp, t.claims::text AS claims, t.scope";
    private static final String REVOKE_FAMILY = "UPDATE refresh_family SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL";

    private final Pool pool;
    private final Clock clock;
    private final Duration lifetime;
    private final Duration maxLifetime;
    private final DependencyGuard guard;
    private final SecureRandom random = new SecureRandom();

    /** Whom a refresh token speaks for and what it may be refreshed into. */
    public record Family(String familyId, String clientId, String subject, String idp, String claimsJson, String scope) {
    }

    public RefreshTokenStore(Pool pool, Clock clock, TokenServiceConfig config) {
        this.pool = pool;
        this.clock = clock;
        this.lifetime = config.refresh().lifetime();
        this.maxLifetime = config.refresh().maxLifetime();
        this.guard = new DependencyGuard("PostgreSQL", config.dependencyTimeout(),
                "the token service cannot reach its database; try again shortly");
    }

    /**
     * Stores a new refresh token and returns it. A family without id is a user's login: a new family
     * starts, with its absolute expiry. With an id it is a rotation: the token joins the family only
     * while the family is live, else {@code invalid_grant}. A token's own expiry never passes its family's.
     */
    public Uni<String> issue(Family family) {
        String token = randomToken();
        OffsetDateTime now = now();
        boolean first = family.familyId() == null;
        String familyId = first ? randomToken() : family.familyId();
        List<Object> values = new java.util.ArrayList<>(List.of(Hashes.sha256Hex(token), familyId, family.clientId(),
                family.subject(), family.idp(), new JsonObject(family.claimsJson() == null ? "{}" : family.claimsJson()),
                family.scope(), now, now.plus(lifetime)));
        if (first) {
            values.add(now.plus(maxLifetime));
        }
        return guard.call(pool.preparedQuery(first ? ISSUE_FIRST : ISSUE_NEXT).execute(Tuple.tuple(values)))
                .map(rows -> {
                    if (rows.rowCount() != 1) {
                        // the family was revoked (a reuse) or reached its absolute lifetime while this rotation ran
                        throw OAuthException.invalidGrant(UNUSABLE);
                    }
                    return token;
                });
    }

    /**
     * Marks the token used and returns its family, once. A token that was already used revokes its
     * family; unknown, expired, revoked or another client's tokens, and those of a revoked or expired
     * family, are {@code invalid_grant}.
     */
    public Uni<Family> use(String token, String clientId) {
        String hash = Hashes.sha256Hex(token);
        return guard.call(pool.preparedQuery(USE).execute(Tuple.of(hash, now(), clientId)))
                .chain(rows -> {
                    if (rows.size() == 1) {
                        Row r = rows.iterator().next();
                        return Uni.createFrom().item(new Family(r.getString("family_id"), r.getString("client_id"),
                                r.getString("subject"), r.getString("idp"), r.getString("claims"), r.getString("scope")));
                    }
                    return reused(hash, clientId).map(ignored -> {
                        throw OAuthException.invalidGrant(UNUSABLE);
                    });
                });
    }

    /** A used token presented again: revoke its family, and with it every token it has or will be given. */
    private Uni<Void> reused(String hash, String clientId) {
        return guard.call(pool.preparedQuery("UPDATE refresh_family SET revoked_at = $3 WHERE revoked_at IS NULL AND family_id ="
                        + " (SELECT family_id FROM refresh_token WHERE token_hash = $1 AND client_id = $2 AND used_at IS NOT NULL)")
                .execute(Tuple.of(hash, clientId, now())))
                .invoke(rows -> {
                    if (rows.rowCount() > 0) {
                        LOG.warnf("refresh token reuse for client %s: its family was revoked", clientId);
                    }
                })
                .replaceWithVoid();
    }

    /** RFC 7009 for refresh tokens: revokes the token's family. Empty when the token is not ours. */
    public Uni<Optional<String>> revoke(String token) {
        String hash = Hashes.sha256Hex(token);
        return guard.call(pool.preparedQuery("SELECT client_id, family_id FROM refresh_token WHERE token_hash = $1").execute(Tuple.of(hash)))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<String>empty());
                    }
                    Row row = rows.iterator().next();
                    String owner = row.getString("client_id");
                    return guard.call(pool.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(row.getString("family_id"), now())))
                            .replaceWith(Optional.of(owner));
                });
    }

    /** The client a refresh token belongs to, without changing anything. */
    public Uni<Optional<String>> owner(String token) {
        return guard.call(pool.preparedQuery("SELECT client_id FROM refresh_token WHERE token_hash = $1")
                .execute(Tuple.of(Hashes.sha256Hex(token))))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("client_id")));
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Hashes.base64url(bytes);
    }

}
