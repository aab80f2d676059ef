package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One-time authorization codes (RFC 6749 §4.1.2, §10.5): 256 random bits, kept in Redis under their
 * SHA-256 for at most 60 s, the payload sealed with a key derived from the code, taken with GETDEL
 * so exactly one redemption sees it. After a redemption a "used" marker remembers what was issued, so
 * that a second use can revoke it (§4.1.2: "SHOULD revoke all tokens previously issued").
 */
@ApplicationScoped
public class AuthorizationCodes {

    /** How long a used code is remembered (longer than the code lives, so late replays are caught too). */
    static final Duration USED_MARKER_LIFETIME = Duration.ofMinutes(10);

    private final RedisStore store;
    private final Duration lifetime;

    public AuthorizationCodes(RedisStore store, OrchestratorConfig config) {
        this.store = store;
        this.lifetime = config.codeLifetime();
    }

    /** What a code stands for: the client's request, who logged in, and the tokens already obtained. */
    public record CodeGrant(AuthorizationRequest request, Identity identity, ExchangedTokens tokens, long issuedAt) {
    }

    /** What a redeemed code issued: revoked when the code is presented again. */
    public record Issued(String clientId, String refreshFamily, String tsRefreshToken, List<String> accessTokens) {
    }

    public Uni<String> issue(CodeGrant grant) {
        String code = Secrets.random();
        return store.put(key(code), Secrets.seal(code, Json.write(grant)), lifetime).replaceWith(code);
    }

    /** The grant, removed from the store; empty when unknown, expired or used. */
    public Uni<Optional<CodeGrant>> redeem(String code) {
        if (code == null || code.length() > 256) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.take(key(code)).map(sealed -> sealed.flatMap(s -> {
            try {
                return Optional.of(Json.read(Secrets.open(code, s), CodeGrant.class));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }));
    }

    public Uni<Void> markUsed(String code, Issued issued) {
        return store.put(usedKey(code), Secrets.seal(code, Json.write(issued)), USED_MARKER_LIFETIME);
    }

    /** What the first redemption of a replayed code issued, taken so it is revoked once. */
    public Uni<Optional<Issued>> takeUsed(String code) {
        if (code == null || code.length() > 256) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.take(usedKey(code)).map(sealed -> sealed.flatMap(s -> {
            try {
                return Optional.of(Json.read(Secrets.open(code, s), Issued.class));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }));
    }

    private static String key(String code) {
        return "code:" + Secrets.hash("code", code);
    }

    private static String usedKey(String code) {
        return "code-used:" + Secrets.hash("code", code);
    }
}
