package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.NewCookie;
import java.time.Duration;
import java.util.Optional;

/**
 * The SSO session: a random value in the {@code orch_session} cookie (HttpOnly, SameSite=Lax, Secure
 * behind TLS), and under its hash in Redis the upstream identity, for the session's lifetime. A new
 * value is set at every login (no session fixation).
 */
@ApplicationScoped
public class SsoSessions {

    /** Distinct from the device portal's cookie: browsers share one jar across ports on localhost. */
    public static final String COOKIE = "orch_session";

    private final RedisStore store;
    private final Duration lifetime;
    private final boolean secure;

    public SsoSessions(RedisStore store, OrchestratorConfig config) {
        this.store = store;
        this.lifetime = config.sessionLifetime();
        this.secure = config.issuer().startsWith("https://");
    }

    public record Session(Identity identity, long createdAt) {
    }

    public Uni<Optional<Session>> find(String cookie) {
        if (cookie == null || cookie.length() != 43) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.get(key(cookie)).map(json -> json.map(j -> Json.read(j, Session.class)));
    }

    /** Starts a session (ending the one in {@code oldCookie}); returns the cookie to set. */
    public Uni<NewCookie> start(Identity identity, String oldCookie, long now) {
        String value = Secrets.random();
        Uni<Void> endOld = oldCookie == null || oldCookie.length() != 43 ? Uni.createFrom().voidItem() : store.delete(key(oldCookie));
        return endOld.chain(() -> store.put(key(value), Json.write(new Session(identity, now)), lifetime))
                .map(ignored -> cookie(value, (int) lifetime.toSeconds()));
    }

    public Uni<Void> end(String cookie) {
        if (cookie == null || cookie.length() != 43) {
            return Uni.createFrom().voidItem();
        }
        return store.delete(key(cookie));
    }

    public NewCookie expired() {
        return cookie("", 0);
    }

    private NewCookie cookie(String value, int maxAge) {
        return new NewCookie.Builder(COOKIE).value(value).path("/").httpOnly(true).secure(secure)
                .sameSite(NewCookie.SameSite.LAX).maxAge(maxAge).build();
    }

    private static String key(String cookie) {
        return "session:" + Secrets.hash("session", cookie);
    }
}
