package dev.tokenservices.token.grant.refresh;

import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.core.refresh.RefreshFamilies;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Optional;

/**
 * The token service's refresh tokens: the core's {@link RefreshFamilies} in {@code refresh_family}
 * and {@code refresh_token}, with {@code ts.refresh.lifetime} per token and {@code ts.refresh.max-lifetime}
 * per family. A family's payload is whom it speaks for and what it may be refreshed into (subject,
 * identity provider, identity claims, the originally granted scope) and, for a public client that
 * proved a DPoP key, that key's thumbprint (RFC 9449 §5); it holds no secret and is kept as JSON.
 * Every refusal is the same {@code invalid_grant}.
 */
@ApplicationScoped
public class RefreshTokenStore {

    private static final String UNUSABLE = "the refresh token is invalid, expired, revoked or already used";

    private final RefreshFamilies families;

    /**
     * Whom a refresh token speaks for and what it may be refreshed into.
     *
     * @param jkt the DPoP key its tokens are bound to (a public client's, RFC 9449 §5); null when unbound
     */
    public record Family(String familyId, String clientId, String subject, String idp, String claimsJson, String scope, String jkt) {
    }

    public RefreshTokenStore(Pool pool, Clock clock, TokenServiceConfig config) {
        this.families = new RefreshFamilies(pool, clock, new RefreshFamilies.Tables("refresh_family", "refresh_token"),
                config.refresh().lifetime(), config.refresh().maxLifetime(),
                new DependencyGuard("PostgreSQL", config.dependencyTimeout(),
                        "the token service cannot reach its database; try again shortly"),
                RefreshFamilies.PayloadSeal.clear());
    }

    /**
     * Stores a new refresh token and returns it. A family without id is a user's login: a new family
     * starts. With an id it is a rotation: the token joins the family only while the family is live,
     * else {@code invalid_grant}.
     */
    public Uni<String> issue(Family family) {
        String payload = new JsonObject().put("subject", family.subject()).put("idp", family.idp())
                .put("claims", new JsonObject(family.claimsJson() == null ? "{}" : family.claimsJson()))
                .put("scope", family.scope()).put("jkt", family.jkt()).encode();
        if (family.familyId() == null) {
            return families.start(family.clientId(), payload).map(RefreshFamilies.Started::token);
        }
        return families.rotate(new RefreshFamilies.Family(family.familyId(), family.clientId(), payload), payload)
                .map(next -> next.orElseThrow(() -> OAuthException.invalidGrant(UNUSABLE)));
    }

    /** Uses the token and returns its family, once; anything else is {@code invalid_grant} (a reuse revokes the family). */
    public Uni<Family> use(String token, String clientId) {
        return families.use(token, clientId).map(use -> {
            if (!(use instanceof RefreshFamilies.Current current)) {
                throw OAuthException.invalidGrant(UNUSABLE);
            }
            JsonObject payload = new JsonObject(current.family().payload());
            return new Family(current.family().familyId(), clientId, payload.getString("subject"), payload.getString("idp"),
                    payload.getJsonObject("claims").encode(), payload.getString("scope"), payload.getString("jkt"));
        });
    }

    /** Ends a family at once (a bound refresh token presented without its key). */
    public Uni<Void> revokeFamily(String familyId) {
        return families.revokeFamily(familyId).replaceWithVoid();
    }

    /** RFC 7009 for refresh tokens: revokes the token's family. Empty when the token is not ours. */
    public Uni<Optional<String>> revoke(String token) {
        return families.owner(token).chain(owner -> owner.isEmpty()
                ? Uni.createFrom().item(Optional.<String>empty())
                : families.revokeFamily(owner.get().familyId()).replaceWith(Optional.of(owner.get().clientId())));
    }

    /** The client a refresh token belongs to, without changing anything. */
    public Uni<Optional<String>> owner(String token) {
        return families.owner(token).map(owner -> owner.map(RefreshFamilies.Owner::clientId));
    }
}
