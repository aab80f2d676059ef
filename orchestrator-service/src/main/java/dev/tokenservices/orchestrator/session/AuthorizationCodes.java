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
 * SHA-256 for at most 60 s (sealed, as every record, by {@link RedisStore}).
 *
 * <p>Replays, however close together (§4.1.2: "SHOULD revoke all tokens previously issued based on
 * that authorization code"): taking the code writes its "used" marker in the same Redis step, in
 * state {@code IN_FLIGHT}. A replay that finds the marker in flight flags it ({@code FLAGGED}); the
 * first redemption, once it has issued, records what it issued ({@code ISSUED}) unless the marker was
 * flagged, in which case it revokes what it issued itself. A replay that finds {@code ISSUED} takes
 * the record over ({@code REVOKED}) and revokes. Each step is a compare-and-set, so exactly one party
 * revokes and nothing issued escapes.
 */
@ApplicationScoped
public class AuthorizationCodes {

    /** How long a used code is remembered (longer than the code lives, so late replays are caught too). */
    static final Duration USED_MARKER_LIFETIME = Duration.ofMinutes(10);
    private static final int MAX_ATTEMPTS = 8;

    static final String IN_FLIGHT = "in_flight";
    static final String FLAGGED = "flagged";
    static final String ISSUED = "issued";
    static final String REVOKED = "revoked";

    private final RedisStore store;
    private final Duration lifetime;

    public AuthorizationCodes(RedisStore store, OrchestratorConfig config) {
        this.store = store;
        this.lifetime = config.codeLifetime();
    }

    /** What a code stands for: the client's request, who logged in, and the tokens already obtained. */
    public record CodeGrant(AuthorizationRequest request, Identity identity, ExchangedTokens tokens, long issuedAt) {
    }

    /**
     * What a redeemed code issued: revoked when the code is presented again.
     *
     * @param refreshFamily   the orchestrator's refresh family, or null
     * @param tsRefreshTokens the token service's refresh tokens
     * @param userinfoToken   the orchestrator's own access token, or null when the response's was an API's (one {@code resource})
     * @param apiAccessTokens the token service's access tokens, one per resource
     */
    public record Issued(String clientId, String refreshFamily, List<String> tsRefreshTokens, String userinfoToken,
            List<String> apiAccessTokens) {
    }

    /** The "used" marker of a code (public for the native image's reflection registration). */
    public record UsedMarker(String state, Issued issued) {
    }

    /** What a presentation of an unknown code found. */
    public sealed interface Replay permits Unknown, Replayed {
    }

    /** Never issued, expired, or used long ago. */
    public record Unknown() implements Replay {
    }

    /** A code already taken; {@code toRevoke} is what its first redemption issued, when this replay must revoke it. */
    public record Replayed(Optional<Issued> toRevoke) implements Replay {
    }

    public Uni<String> issue(CodeGrant grant) {
        String code = Secrets.random();
        return store.put(key(code), Json.write(grant), lifetime).replaceWith(code);
    }

    /**
     * A code taken: its grant, and its "used" marker as written in flight, which
     * {@link #recordIssued} replaces without reading it first when nothing changed it meanwhile.
     */
    public record Redeemed(CodeGrant grant, RedisStore.Versioned marker) {
    }

    /** The grant, removed from the store with its "used" marker written in flight; empty when unknown, expired or used. */
    public Uni<Optional<Redeemed>> redeem(String code) {
        if (tooLong(code)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.takeAndPut(key(code), usedKey(code), Json.write(new UsedMarker(IN_FLIGHT, null)), USED_MARKER_LIFETIME)
                .map(taken -> taken.map(t -> new Redeemed(Json.read(t.value(), CodeGrant.class), t.put())));
    }

    /**
     * The grant of a code still there to take, without taking it: for a check a redemption by its own
     * client can fail without spending the code ({@code resource} beyond the grant).
     */
    public Uni<Optional<CodeGrant>> peek(String code) {
        if (tooLong(code)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return store.get(key(code)).map(json -> json.map(j -> Json.read(j, CodeGrant.class)));
    }

    /**
     * After the first redemption has issued: records what it issued. False when a replay came in the
     * meantime (or the marker is gone): the caller must revoke {@code issued} itself.
     */
    public Uni<Boolean> recordIssued(Redeemed redeemed, String code, Issued issued) {
        // the marker as written in flight: one compare-and-set; a replay that flagged it meanwhile
        // (or its expiry) makes it fail, and the marker is then read and judged as below
        return store.replace(usedKey(code), redeemed.marker(), Json.write(new UsedMarker(ISSUED, issued)), USED_MARKER_LIFETIME)
                .chain(written -> written ? Uni.createFrom().item(true) : recordIssued(code, issued, 1));
    }

    private Uni<Boolean> recordIssued(String code, Issued issued, int attempt) {
        return store.read(usedKey(code)).chain(found -> {
            if (found.isEmpty() || attempt >= MAX_ATTEMPTS) {
                return Uni.createFrom().item(false);
            }
            UsedMarker marker = Json.read(found.get().value(), UsedMarker.class);
            if (!IN_FLIGHT.equals(marker.state())) {
                return Uni.createFrom().item(false);
            }
            return store.replace(usedKey(code), found.get(), Json.write(new UsedMarker(ISSUED, issued)), USED_MARKER_LIFETIME)
                    .chain(written -> written ? Uni.createFrom().item(true) : recordIssued(code, issued, attempt + 1));
        });
    }

    /** A presentation of a code that was not there to take: flags or takes over its "used" marker. */
    public Uni<Replay> replayed(String code) {
        if (tooLong(code)) {
            return Uni.createFrom().item(new Unknown());
        }
        return replayed(code, 0);
    }

    private Uni<Replay> replayed(String code, int attempt) {
        return store.read(usedKey(code)).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(new Unknown());
            }
            UsedMarker marker = Json.read(found.get().value(), UsedMarker.class);
            String next = switch (marker.state()) {
                case IN_FLIGHT -> FLAGGED;
                case ISSUED -> REVOKED;
                default -> null;
            };
            if (next == null || attempt >= MAX_ATTEMPTS) {
                return Uni.createFrom().item(new Replayed(Optional.empty()));
            }
            return store.replace(usedKey(code), found.get(), Json.write(new UsedMarker(next, null)), USED_MARKER_LIFETIME)
                    .chain(written -> !written ? replayed(code, attempt + 1)
                            : Uni.createFrom().item(new Replayed(Optional.ofNullable(marker.issued()))));
        });
    }

    private static boolean tooLong(String code) {
        return code == null || code.length() > 256;
    }

    /** The code and its marker share a hash tag: one Redis Cluster slot, so one script touches both. */
    private static String key(String code) {
        return "code:{" + Secrets.hash("code", code) + "}";
    }

    static String usedKey(String code) {
        return "code-used:{" + Secrets.hash("code", code) + "}";
    }
}
