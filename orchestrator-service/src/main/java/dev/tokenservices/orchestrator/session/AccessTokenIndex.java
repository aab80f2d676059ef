package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.web.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The access tokens handed out at /token, under their hash, for /userinfo: the userinfo endpoint
 * answers for exactly the tokens this orchestrator issued in a login, until they expire or the grant
 * is revoked (a lookup rather than a signature check, so a revoked login stops answering at once,
 * and the opaque token given when no API granted anything works the same way).
 */
@ApplicationScoped
public class AccessTokenIndex {

    private final RedisStore store;

    public AccessTokenIndex(RedisStore store) {
        this.store = store;
    }

    public record Entry(String clientId, Identity identity, List<String> scopes) {
    }

    public Uni<Void> remember(String accessToken, Entry entry, Duration lifetime) {
        return store.put(key(accessToken), Json.write(entry), lifetime);
    }

    public Uni<Optional<Entry>> find(String accessToken) {
        if (accessToken == null || accessToken.length() > 16384) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.get(key(accessToken)).map(json -> json.map(j -> Json.read(j, Entry.class)));
    }

    public Uni<Void> forget(String accessToken) {
        return store.delete(key(accessToken));
    }

    private static String key(String accessToken) {
        return "at:" + Secrets.hash("access", accessToken);
    }
}
