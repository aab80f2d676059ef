package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pushed authorization requests (RFC 9126 §2.2): the parameters a client pushed to /par, kept in
 * Redis for {@code orchestrator.par.request-uri-lifetime} under the SHA-256 of the client and its
 * {@code request_uri} (256 random bits), sealed as every record ({@link RedisStore}). /authorize takes
 * a record in one step (GETDEL): a {@code request_uri} is used once, however close together two
 * browsers bring it (§7.3), and only by the client that pushed it (§4: another client's
 * {@code client_id} finds nothing).
 */
@ApplicationScoped
public class PushedRequests {

    /** RFC 9126 §2.2: the URN prefix of the request URIs handed out here. */
    public static final String PREFIX = "urn:ietf:params:oauth:request_uri:";
    private static final Duration MOST = Duration.ofMinutes(10);

    private final RedisStore store;
    private final Duration lifetime;

    public PushedRequests(RedisStore store, OrchestratorConfig config) {
        Duration lifetime = config.par().requestUriLifetime();
        if (lifetime.compareTo(Duration.ofSeconds(1)) < 0 || lifetime.compareTo(MOST) > 0) {
            throw new IllegalStateException("orchestrator.par.request-uri-lifetime must be from 1s to 10m, is " + lifetime);
        }
        this.store = store;
        this.lifetime = lifetime;
    }

    /**
     * What was pushed: the authorization request's parameters as received (validated when pushed,
     * and again when used, as any authorization request).
     *
     * @param parameters the authorization request parameters, client authentication left out; the
     *                   key of a DPoP proof sent along is in {@code dpop_jkt} (RFC 9449 §10.1)
     */
    public record Pushed(String clientId, Map<String, List<String>> parameters) {
    }

    /** @return the {@code request_uri} that stands for {@code pushed} */
    public Uni<String> push(Pushed pushed) {
        String requestUri = PREFIX + Secrets.random();
        return store.put(key(pushed.clientId(), requestUri), Json.write(pushed), lifetime).replaceWith(requestUri);
    }

    /** The pushed request, removed from the store; empty when unknown, expired, used, or another client's. */
    public Uni<Optional<Pushed>> take(String clientId, String requestUri) {
        if (!ours(requestUri) || requestUri.length() > 256) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.take(key(clientId, requestUri)).map(json -> json.map(j -> Json.read(j, Pushed.class))
                .filter(pushed -> pushed.clientId().equals(clientId)));
    }

    /** Whether a {@code request_uri} is one this server hands out (any other is not supported). */
    public static boolean ours(String requestUri) {
        return requestUri != null && requestUri.startsWith(PREFIX);
    }

    /** The {@code expires_in} of a pushed request. */
    public Duration lifetime() {
        return lifetime;
    }

    /** The client is part of the key (length-prefixed, so no two pairs read alike): its request_uri is nothing to another. */
    private static String key(String clientId, String requestUri) {
        return "par:" + Secrets.hash("par", clientId.length() + ":" + clientId + requestUri);
    }
}
