package dev.tokenservices.token.grant.devicecode;

import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Device-code records in Redis, in the format shared with the portal ({@link DeviceCodes}). The device
 * code is stored only as its hash; every key has a TTL; state changes happen in Lua scripts, so a
 * record never moves twice. An approval counts only with the portal's MAC over it
 * ({@link DeviceCodes#DECISION_MAC}): a write to Redis alone cannot approve a device.
 */
@ApplicationScoped
public class DeviceCodeStore {

    private static final Logger LOG = Logger.getLogger(DeviceCodeStore.class);
    /** Records outlive their codes a little, so a late poll hears expired_token rather than invalid_grant. */
    private static final Duration GRACE = Duration.ofMinutes(10);

    private final ReactiveRedisDataSource redis;
    private final Clock clock;
    private final DependencyGuard guard;
    private final SecureRandom random = new SecureRandom();

    /** A new device authorization: the two codes handed out. */
    public record Issued(String deviceCode, String userCode) {
        @Override
        public String toString() {
            return "Issued[codes hidden]";
        }
    }

    /** The approving user's identity and what the device asked for. */
    public record Approval(String subject, String idp, String claimsJson, String scope) {
    }

    /** What a poll found, in the order the poll script checks (RFC 8628 §3.5). */
    public enum Outcome {
        /** No such record, or another client's. */
        UNKNOWN,
        /** The poll's DPoP key (or its lack of one) is not the key the device proved first. */
        DPOP_KEY,
        /** Polled faster than the interval (which grew by 5 s). */
        SLOW_DOWN,
        EXPIRED,
        PENDING,
        DENIED,
        /** Already taken by an earlier poll. */
        CONSUMED,
        /** Taken by this poll, with the approval, whose MAC verified. */
        APPROVED,
        /** Approved without the portal's valid MAC: written to Redis by someone else (and consumed). */
        FORGED
    }

    /** @param approval only with {@link Outcome#APPROVED} */
    public record Poll(Outcome outcome, Approval approval) {
    }

    private final RecordSeal decisions;

    public DeviceCodeStore(ReactiveRedisDataSource redis, Clock clock, TokenServiceConfig config, KeyEncryption masterKey) {
        this.redis = redis;
        this.clock = clock;
        this.guard = new DependencyGuard("Redis", config.dependencyTimeout(),
                "the token service cannot reach its store; try again shortly");
        this.decisions = masterKey.recordSeal(DeviceCodes.DECISION_MAC_PURPOSE);
    }

    /** @param jkt the DPoP key the request proved, pinned on the record from the start; empty without a proof */
    public Uni<Issued> create(String clientId, String scope, Duration lifetime, Duration interval, Optional<String> jkt) {
        return create(clientId, scope, lifetime, interval, jkt, 0);
    }

    private Uni<Issued> create(String clientId, String scope, Duration lifetime, Duration interval, Optional<String> jkt,
            int attempt) {
        if (attempt == 5) {
            throw OAuthException.temporarilyUnavailable("no free user code could be found; try again");
        }
        String userCode = userCode();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String deviceCode = DeviceCodes.deviceCode(userCode, secret);
        String hash = Hashes.sha256Hex(deviceCode);
        long ttl = lifetime.plus(GRACE).toSeconds();
        long expiresAt = clock.instant().plus(lifetime).getEpochSecond();
        // index and record share the user code's hash tag (one Cluster slot), so one script reserves the
        // user code (SET NX: a collision is seen, and we draw again) and writes the record
        List<String> args = new ArrayList<>(List.of(DeviceCodes.CREATE_SCRIPT, "2", DeviceCodes.userCodeKey(userCode),
                DeviceCodes.recordKeyOfHash(DeviceCodes.hashTag(userCode), hash), Long.toString(ttl), hash));
        for (Map.Entry<String, String> field : Map.of(
                DeviceCodes.STATUS, DeviceCodes.State.PENDING.wire(),
                DeviceCodes.CLIENT_ID, clientId,
                DeviceCodes.SCOPE, scope,
                DeviceCodes.USER_CODE_FIELD, userCode,
                DeviceCodes.EXPIRES_AT, Long.toString(expiresAt),
                DeviceCodes.INTERVAL, Long.toString(interval.toSeconds()),
                DeviceCodes.LAST_POLL, "0").entrySet()) {
            args.add(field.getKey());
            args.add(field.getValue());
        }
        jkt.ifPresent(key -> {
            args.add(DeviceCodes.DPOP_JKT);
            args.add(key);
        });
        return guard.call(redis.execute("EVAL", args.toArray(String[]::new)))
                .chain(created -> created.toLong() == 1L
                        ? Uni.createFrom().item(new Issued(deviceCode, userCode))
                        : create(clientId, scope, lifetime, interval, jkt, attempt + 1));
    }

    /**
     * Runs the shared poll script. {@code record} is the code's {@link DeviceCodes#recordKey record key}.
     * The first DPoP key a device proves is pinned on the record, in the same step; a poll with another
     * key, or without one, of a pinned record is {@link Outcome#DPOP_KEY}. An approval is consumed and
     * read in one step, then its MAC checked on exactly what was read: an approval the portal did not
     * make is "forged" (and consumed, so it is never tried again).
     *
     * @param jkt the poll's DPoP key; empty without a proof
     */
    public Uni<Poll> poll(String record, String clientId, Optional<String> jkt) {
        return guard.call(redis.execute("EVAL", DeviceCodes.POLL_SCRIPT, "1", record, clientId, Long.toString(clock.millis()),
                        jkt.orElse("")))
                .map(r -> r.type() == ResponseType.MULTI ? approved(record, clientId, r) : new Poll(outcome(r.toString()), null));
    }

    /** The poll script's answer other than an approval. */
    private static Outcome outcome(String answer) {
        return switch (answer) {
            case DeviceCodes.POLL_SLOW_DOWN -> Outcome.SLOW_DOWN;
            case DeviceCodes.POLL_EXPIRED -> Outcome.EXPIRED;
            case DeviceCodes.POLL_DPOP_KEY -> Outcome.DPOP_KEY;
            default -> DeviceCodes.State.of(answer).map(state -> switch (state) {
                case PENDING -> Outcome.PENDING;
                case DENIED -> Outcome.DENIED;
                case CONSUMED -> Outcome.CONSUMED;
                case APPROVED -> Outcome.UNKNOWN; // the script answers an approval with its values, never alone
            }).orElse(Outcome.UNKNOWN);
        };
    }

    private Poll approved(String record, String clientId, Response r) {
        // approved, scope, subject, idp, claims, decided_at, decision_mac (DeviceCodes.POLL_SCRIPT)
        String scope = text(r.get(1));
        String subject = text(r.get(2));
        String idp = text(r.get(3));
        String claims = text(r.get(4));
        String decidedAt = text(r.get(5));
        String mac = text(r.get(6));
        String signed = DeviceCodes.decisionMacInput(record, clientId, scope, DeviceCodes.State.APPROVED.wire(), subject, idp, claims,
                decidedAt);
        if (mac == null || mac.isEmpty() || !decisions.verify(signed, mac)) {
            // someone wrote to Redis what only the portal may write; say which client, never the code or the values
            LOG.warnf("device approval refused: its decision MAC does not verify (a record written or altered outside "
                    + "the portal); client_id=%s", clientId);
            return new Poll(Outcome.FORGED, null);
        }
        return new Poll(Outcome.APPROVED, new Approval(subject, idp, claims, scope));
    }

    /** Puts a consumed approval back when issuing failed for a passing reason, so the next poll retries. */
    public Uni<Void> restoreApproved(String record) {
        return guard.call(redis.execute("HSET", record, DeviceCodes.STATUS,
                DeviceCodes.State.CONSUMED.moveTo(DeviceCodes.State.APPROVED).wire()))
                .replaceWithVoid();
    }

    private String userCode() {
        char[] code = new char[9];
        for (int i = 0; i < 9; i++) {
            code[i] = i == 4 ? '-' : DeviceCodes.USER_CODE_ALPHABET.charAt(random.nextInt(DeviceCodes.USER_CODE_ALPHABET.length()));
        }
        return new String(code);
    }

    private static String text(Response r) {
        return r == null ? null : r.toString();
    }

}
