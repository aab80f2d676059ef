package dev.tokenservices.orchestrator.session;

import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.core.refresh.RefreshFamilies;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.oauth.OAuthException;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The orchestrator's own refresh tokens: the core's {@link RefreshFamilies} in
 * {@code orchestrator_refresh_family} and {@code orchestrator_refresh_token}, with
 * {@code orchestrator.refresh-token-lifetime} per token and {@code orchestrator.refresh-token-max-lifetime}
 * per family. A family's payload is the login behind it: the identity, the scopes, and per resource
 * the token service's refresh token; since those are bearer credentials, it is sealed under the
 * master key (AES-256-GCM, bound to the family id).
 */
@ApplicationScoped
@Startup
public class RefreshTokens {

    private final RefreshFamilies families;

    /**
     * A family's payload (public for the native image's reflection registration).
     *
     * @param tsRefreshTokens per resource, the token service's refresh token
     * @param claims          the login's {@code claims} request (null in families begun before it was kept)
     * @param dpopJkt         the DPoP key a public client's family is bound to (RFC 9449 §5), or null
     */
    public record Login(Identity identity, List<String> scopes, Map<String, String> tsRefreshTokens, ClaimsRequest claims,
            String dpopJkt) {
    }

    public RefreshTokens(Pool pool, OrchestratorConfig config, Clock clock, KeyEncryption masterKey) {
        this.families = new RefreshFamilies(pool, clock,
                new RefreshFamilies.Tables("orchestrator_refresh_family", "orchestrator_refresh_token"),
                config.refreshTokenLifetime(), config.refreshTokenMaxLifetime(),
                new DependencyGuard("PostgreSQL", config.dependencyTimeout(),
                        "the orchestrator cannot reach its database; try again later"),
                RefreshFamilies.PayloadSeal.sealed(masterKey.recordSeal("orchestrator refresh families")));
    }

    /** Starts a family for a login; {@code dpopJkt} binds it to a key, or is null. */
    public Uni<RefreshFamilies.Started> start(String clientId, Identity identity, List<String> scopes,
            Map<String, String> tsRefreshTokens, ClaimsRequest claims, String dpopJkt) {
        return families.start(clientId, Json.write(new Login(identity, scopes, tsRefreshTokens, claims, dpopJkt)));
    }

    /**
     * Continues a current family with the token service's new refresh tokens and returns the next
     * refresh token; empty when the family ended meanwhile (reuse, revocation, expiry): nothing was written.
     * {@code dpopJkt}: the key the family is bound to from now on, or null.
     */
    public Uni<Optional<String>> rotate(RefreshFamilies.Family family, Map<String, String> tsRefreshTokens, String dpopJkt) {
        Login login = login(family);
        return families.rotate(family, Json.write(new Login(login.identity(), login.scopes(), tsRefreshTokens, login.claims(), dpopJkt)));
    }

    public Uni<RefreshFamilies.Use> use(String token, String clientId) {
        return families.use(token, clientId);
    }

    /** Ends a family (a replayed code); the login it held when it was live until now. */
    public Uni<Optional<Login>> revokeFamily(String familyId) {
        return families.revokeFamily(familyId).map(family -> family.map(RefreshTokens::login));
    }

    public static Login login(RefreshFamilies.Family family) {
        return Json.read(family.payload(), Login.class);
    }

    public static OAuthException invalid() {
        return OAuthException.invalidGrant("the refresh token is invalid, expired, revoked or already used");
    }
}
