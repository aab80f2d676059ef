package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * A login in progress at the upstream IdP, under the hash of the upstream {@code state}: the
 * client's request, and the upstream nonce and PKCE verifier. Taken once (GETDEL) by the callback,
 * on whichever replica it arrives.
 */
@ApplicationScoped
public class PendingLogins {

    private final RedisStore store;
    private final Duration lifetime;

    public PendingLogins(RedisStore store, OrchestratorConfig config) {
        this.store = store;
        this.lifetime = config.pendingLoginLifetime();
    }

    /**
     * @param sessionCookie the browser's session cookie when the login started, ended once it succeeds
     */
    public record PendingLogin(AuthorizationRequest request, String idpId, String nonce, String codeVerifier,
            String sessionCookieHash) {
    }

    public Uni<Void> save(String upstreamState, PendingLogin login) {
        return store.put(key(upstreamState), Json.write(login), lifetime);
    }

    public Uni<Optional<PendingLogin>> take(String upstreamState) {
        if (upstreamState == null || upstreamState.length() > 256) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.take(key(upstreamState)).map(json -> json.map(j -> Json.read(j, PendingLogin.class)));
    }

    private static String key(String state) {
        return "pending:" + Secrets.hash("pending", state);
    }
}
