package dev.tokenservices.token.grant.refresh;

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
import java.util.Base64;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Refresh tokens in PostgreSQL, kept only as SHA-256. A token is used once: using it marks it and a
 * new token joins its family; presenting a used token again means it was stolen or replayed, and
 * the whole family is revoked (OAuth 2.0 Security BCP §4.14.2).
 */
@ApplicationScoped
public class RefreshTokenStore {

    private static final Logger LOG = Logger.getLogger(RefreshTokenStore.class);

    private final Pool pool;
    private final Clock clock;
    private final Duration lifetime;
    private final Duration timeout;
    private final SecureRandom random = new SecureRandom();

    /** Whom a refresh token speaks for and what it may be refreshed into. */
    public record Family(String familyId, String clientId, String subject, String idp, String claimsJson, String scope) {
    }

    public RefreshTokenStore(Pool pool, Clock clock, TokenServiceConfig config) {
        this.pool = pool;
        this.clock = clock;
        this.lifetime = config.refresh().lifetime();
        this.timeout = config.dependencyTimeout();
    }

    /** Stores a new refresh token in {@code family} (a new family when its id is null) and returns it. */
    public Uni<String> issue(Family family) {
        String token = randomToken();
        String familyId = family.familyId() != null ? family.familyId() : randomToken();
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        return guard(pool.preparedQuery("INSERT INTO refresh_token (token_hash, family_id, client_id, subject, idp, claims, scope,"
                        + " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .execute(Tuple.tuple(java.util.List.of(DeviceCodes.sha256Hex(token), familyId, family.clientId(), family.subject(),
                        family.idp(), new JsonObject(family.claimsJson() == null ? "{}" : family.claimsJson()), family.scope(),
                        now, now.plus(lifetime)))))
                .replaceWith(token);
    }

    /**
     * Marks the token used and returns its family, once. A token that was already used revokes its
     * family; unknown, expired, revoked or another client's tokens are {@code invalid_grant}.
     */
    public Uni<Family> use(String token, String clientId) {
        String hash = DeviceCodes.sha256Hex(token);
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        return guard(pool.preparedQuery("UPDATE refresh_token SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL"
                        + " AND revoked_at IS NULL AND expires_at > $2 AND client_id = $3"
                        + " RETURNING family_id, client_id, subject, idp, claims::text AS claims, scope")
                .execute(Tuple.of(hash, now, clientId)))
                .chain(rows -> {
                    if (rows.size() == 1) {
                        Row r = rows.iterator().next();
                        return Uni.createFrom().item(new Family(r.getString("family_id"), r.getString("client_id"),
                                r.getString("subject"), r.getString("idp"), r.getString("claims"), r.getString("scope")));
                    }
                    return reused(hash, clientId).map(ignored -> {
                        throw OAuthException.invalidGrant("the refresh token is invalid, expired, revoked or already used");
                    });
                });
    }

    /** A used token presented again: revoke everything of its family. */
    private Uni<Void> reused(String hash, String clientId) {
        return guard(pool.preparedQuery("UPDATE refresh_token SET revoked_at = $3 WHERE revoked_at IS NULL AND family_id ="
                        + " (SELECT family_id FROM refresh_token WHERE token_hash = $1 AND client_id = $2 AND used_at IS NOT NULL)")
                .execute(Tuple.of(hash, clientId, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))))
                .invoke(rows -> {
                    if (rows.rowCount() > 0) {
                        LOG.warnf("refresh token reuse for client %s: its family was revoked", clientId);
                    }
                })
                .replaceWithVoid();
    }

    /** RFC 7009 for refresh tokens: revokes the token's family. Empty when the token is not ours. */
    public Uni<Optional<String>> revoke(String token) {
        String hash = DeviceCodes.sha256Hex(token);
        return guard(pool.preparedQuery("SELECT client_id, family_id FROM refresh_token WHERE token_hash = $1").execute(Tuple.of(hash)))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<String>empty());
                    }
                    Row row = rows.iterator().next();
                    String owner = row.getString("client_id");
                    return guard(pool.preparedQuery("UPDATE refresh_token SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
                            .execute(Tuple.of(row.getString("family_id"), OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))))
                            .replaceWith(Optional.of(owner));
                });
    }

    /** The client a refresh token belongs to, without changing anything. */
    public Uni<Optional<String>> owner(String token) {
        return guard(pool.preparedQuery("SELECT client_id FROM refresh_token WHERE token_hash = $1")
                .execute(Tuple.of(DeviceCodes.sha256Hex(token))))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("client_id")));
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private <T> Uni<T> guard(Uni<T> operation) {
        return operation.ifNoItem().after(timeout).fail()
                .onFailure(e -> !(e instanceof OAuthException)).transform(e -> {
                    LOG.warnf("PostgreSQL unavailable: %s", e.toString());
                    return OAuthException.temporarilyUnavailable("the token service cannot reach its database; try again shortly");
                });
    }
}
