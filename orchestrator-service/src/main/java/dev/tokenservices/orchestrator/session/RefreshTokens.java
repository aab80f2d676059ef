package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.OAuthException;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The orchestrator's own refresh tokens (opaque, bound to the client), rotated on every use
 * (OAuth 2.0 Security BCP, RFC 9700 §4.14.2). A family holds the login behind them: the identity,
 * the scopes, and per resource the token service's refresh token. A used token presented again ends
 * the family. Kept in Redis under their hash (sealed, as every record).
 *
 * <p>Concurrency: a token is taken with GETDEL, so of concurrent presentations one rotates. A
 * rotation continues its family only with SET … XX, i.e. only while the family record still exists:
 * a reuse that ended the family while the rotation waited on the token service (and its scope
 * authorities) makes the rotation fail, so the token it would hand out never exists. Families are
 * only ever created under a fresh random id, so nothing can bring an ended one back.
 *
 * <p>Lifetime: each rotation lives {@code orchestrator.refresh-token-lifetime}, never past the
 * family's creation plus {@code orchestrator.refresh-token-max-lifetime}; then the user logs in again.
 */
@ApplicationScoped
@Startup
public class RefreshTokens {

    private final RedisStore store;
    private final Duration lifetime;
    private final Duration maxLifetime;
    private final Clock clock;

    public RefreshTokens(RedisStore store, OrchestratorConfig config, Clock clock) {
        this.store = store;
        this.lifetime = config.refreshTokenLifetime();
        this.maxLifetime = config.refreshTokenMaxLifetime();
        this.clock = clock;
        if (maxLifetime.isNegative() || maxLifetime.isZero()) {
            throw new IllegalStateException("orchestrator.refresh-token-max-lifetime must be positive, got " + maxLifetime);
        }
    }

    /**
     * @param tsRefreshTokens per resource, the token service's refresh token
     * @param createdAt       when the login began the family (epoch seconds); bounds its whole life
     */
    public record Family(String familyId, String clientId, Identity identity, List<String> scopes,
            Map<String, String> tsRefreshTokens, long createdAt) {
    }

    /** What a refresh token's key holds (public for the native image's reflection registration). */
    public record TokenRecord(String familyId, String clientId) {
    }

    /** Outcome of presenting a refresh token: the family when the token was current. */
    public sealed interface Use permits Current, Reused, Expired, Unknown {
    }

    public record Current(Family family) implements Use {
    }

    /** A rotated-away token came back: the family has been removed; its token-service tokens must be revoked. */
    public record Reused(Optional<Family> family) implements Use {
    }

    /** The family outlived its maximum lifetime: removed; its token-service tokens must be revoked. */
    public record Expired(Family family) implements Use {
    }

    public record Unknown() implements Use {
    }

    /** A new family and its first refresh token. */
    public record Started(String familyId, String token) {
    }

    /** Starts a family for a login. */
    public Uni<Started> start(String clientId, Identity identity, List<String> scopes, Map<String, String> tsRefreshTokens) {
        Family family = new Family(Secrets.random(), clientId, identity, scopes, tsRefreshTokens, clock.instant().getEpochSecond());
        Duration ttl = ttl(family);
        return store.put(familyKey(family.familyId()), Json.write(family), ttl)
                .chain(() -> newToken(family, ttl))
                .map(token -> new Started(family.familyId(), token));
    }

    /**
     * Continues {@code family} with the token service's new refresh tokens and returns the next
     * refresh token; empty when the family has ended meanwhile (reuse, logout, expiry), in which case
     * nothing was written.
     */
    public Uni<Optional<String>> rotate(Family family, Map<String, String> tsRefreshTokens) {
        Family next = new Family(family.familyId(), family.clientId(), family.identity(), family.scopes(), tsRefreshTokens,
                family.createdAt());
        Duration ttl = ttl(next);
        if (ttl.isZero()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.putIfPresent(familyKey(family.familyId()), Json.write(next), ttl).chain(continued -> continued
                ? newToken(next, ttl).map(Optional::of)
                : Uni.createFrom().item(Optional.<String>empty()));
    }

    public Uni<Use> use(String token, String clientId) {
        if (token == null || token.length() > 256) {
            return Uni.createFrom().item(new Unknown());
        }
        return store.get(tokenKey(token)).chain(current -> {
            if (current.isEmpty()) {
                return store.get(usedKey(token)).chain(used -> used.isPresent() ? reused(used.get()) : Uni.createFrom().item(new Unknown()));
            }
            TokenRecord record = Json.read(current.get(), TokenRecord.class);
            if (!record.clientId().equals(clientId)) {
                return Uni.createFrom().item(new Unknown());
            }
            // taken and marked used in one step: a second presentation, however close, is seen as a reuse
            // (the marker lives as long as the token could have, so a late replay is a reuse too)
            return store.takeAndPut(tokenKey(token), usedKey(token), record.familyId(), lifetime).chain(taken -> {
                if (taken.isEmpty()) {
                    // another request rotated it a moment ago: treat as reuse
                    return reused(record.familyId());
                }
                return store.get(familyKey(record.familyId())).chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(new Unknown());
                    }
                    Family family = Json.read(found.get(), Family.class);
                    if (ttl(family).isZero()) {
                        return revokeFamily(family.familyId()).map(gone -> new Expired(gone.orElse(family)));
                    }
                    return Uni.createFrom().item(new Current(family));
                });
            });
        });
    }

    /** Ends a family (logout of a grant, a replayed code, a reuse): its current token stops working. */
    public Uni<Optional<Family>> revokeFamily(String familyId) {
        return store.take(familyKey(familyId)).map(f -> f.map(json -> Json.read(json, Family.class)));
    }

    public static OAuthException invalid() {
        return OAuthException.invalidGrant("the refresh token is invalid, expired, revoked or already used");
    }

    private Uni<String> newToken(Family family, Duration ttl) {
        String token = Secrets.random();
        return store.put(tokenKey(token), Json.write(new TokenRecord(family.familyId(), family.clientId())), ttl).replaceWith(token);
    }

    private Uni<Use> reused(String familyId) {
        return revokeFamily(familyId).map(Reused::new);
    }

    /** The next rotation's life: the refresh lifetime, cut at the family's absolute end; zero when past it. */
    private Duration ttl(Family family) {
        Duration remaining = remaining(family);
        return remaining.compareTo(lifetime) < 0 ? remaining : lifetime;
    }

    private Duration remaining(Family family) {
        long end = family.createdAt() + maxLifetime.toSeconds();
        long left = end - clock.instant().getEpochSecond();
        return left <= 0 ? Duration.ZERO : Duration.ofSeconds(left);
    }

    /** A token and its "used" marker share a hash tag: one Redis Cluster slot, so one script touches both. */
    private static String tokenKey(String token) {
        return "rt:{" + Secrets.hash("refresh", token) + "}";
    }

    private static String usedKey(String token) {
        return "rt-used:{" + Secrets.hash("refresh", token) + "}";
    }

    private static String familyKey(String familyId) {
        return "rt-family:" + familyId;
    }
}
