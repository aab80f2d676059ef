package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.web.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The orchestrator's own access tokens (the top-level {@code access_token}, for /userinfo only),
 * under their hash: the userinfo endpoint answers for exactly the tokens this orchestrator issued in
 * a login, until they expire or the grant is revoked (a lookup rather than a signature check, so a
 * revoked login stops answering at once). The entry keeps who logged in, without the upstream
 * id_token, which /userinfo does not need.
 */
@ApplicationScoped
public class AccessTokenIndex {

    private final RedisStore store;

    public AccessTokenIndex(RedisStore store) {
        this.store = store;
    }

    /** @param claims the standard claims the login's {@code claims.userinfo} asked for (null in entries written before) */
    public record Entry(String clientId, Identity identity, List<String> scopes, List<String> claims) {
    }

    public Uni<Void> remember(String accessToken, Entry entry, Duration lifetime) {
        Identity id = entry.identity();
        Identity withoutIdToken = new Identity(id.idpId(), id.issuer(), id.subject(), id.claims(), null, id.upstreamExpiresAt(),
                id.authTime(), id.acr(), id.amr());
        return store.put(key(accessToken), Json.write(new Entry(entry.clientId(), withoutIdToken, entry.scopes(), entry.claims())), lifetime);
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
