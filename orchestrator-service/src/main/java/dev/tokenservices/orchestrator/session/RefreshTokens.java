package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The orchestrator's own refresh tokens (opaque, bound to the client), rotated on every use
 * (OAuth 2.0 Security BCP, RFC 9700 §4.14.2). A family holds the login behind them: the identity,
 * the scopes, and the token service's refresh token. A used token presented again ends the family.
 * Kept in Redis under their hash with the refresh lifetime as TTL.
 */
@ApplicationScoped
public class RefreshTokens {

    private final RedisStore store;
    private final Duration lifetime;

    public RefreshTokens(RedisStore store, OrchestratorConfig config) {
        this.store = store;
        this.lifetime = config.refreshTokenLifetime();
    }

    public record Family(String familyId, String clientId, Identity identity, List<String> scopes, String tsRefreshToken) {
    }

    /** What a refresh token's key holds (public for the native image's reflection registration). */
    public record TokenRecord(String familyId, String clientId) {
    }

    /** Outcome of presenting a refresh token: the family when the token was current. */
    public sealed interface Use permits Current, Reused, Unknown {
    }

    public record Current(Family family) implements Use {
    }

    /** A rotated-away token came back: the family has been removed; its token-service token must be revoked. */
    public record Reused(Optional<Family> family) implements Use {
    }

    public record Unknown() implements Use {
    }

    /** Saves the family and returns its new current refresh token. */
    public Uni<String> issue(Family family) {
        String token = Secrets.random();
        return store.put(familyKey(family.familyId()), Json.write(family), lifetime)
                .chain(() -> store.put(tokenKey(token), Json.write(new TokenRecord(family.familyId(), family.clientId())), lifetime))
                .replaceWith(token);
    }

    public Uni<Use> use(String token, String clientId) {
        if (token == null || token.length() > 256) {
            return Uni.createFrom().item(new Unknown());
        }
        return store.get(tokenKey(token)).chain(current -> {
            if (current.isPresent()) {
                TokenRecord record = Json.read(current.get(), TokenRecord.class);
                if (!record.clientId().equals(clientId)) {
                    return Uni.createFrom().item(new Unknown());
                }
                return store.take(tokenKey(token)).chain(taken -> {
                    if (taken.isEmpty()) {
                        // another request rotated it a moment ago: treat as reuse
                        return reused(record.familyId());
                    }
                    return store.put(usedKey(token), record.familyId(), lifetime)
                            .chain(() -> store.get(familyKey(record.familyId())))
                            .map(f -> f.<Use>map(json -> new Current(Json.read(json, Family.class))).orElse(new Unknown()));
                });
            }
            return store.get(usedKey(token)).chain(used -> used.isPresent() ? reused(used.get()) : Uni.createFrom().item(new Unknown()));
        });
    }

    /** Ends a family (logout of a grant, a replayed code): its current token stops working. */
    public Uni<Optional<Family>> revokeFamily(String familyId) {
        return store.take(familyKey(familyId)).map(f -> f.map(json -> Json.read(json, Family.class)));
    }

    private Uni<Use> reused(String familyId) {
        return revokeFamily(familyId).map(Reused::new);
    }

    public static OAuthException invalid() {
        return OAuthException.invalidGrant("the refresh token is invalid, expired, revoked or already used");
    }

    private static String tokenKey(String token) {
        return "rt:" + Secrets.hash("refresh", token);
    }

    private static String usedKey(String token) {
        return "rt-used:" + Secrets.hash("refresh", token);
    }

    private static String familyKey(String familyId) {
        return "rt-family:" + familyId;
    }
}
