package dev.tokenservices.shared.device;

import dev.tokenservices.shared.crypto.Hashes;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The device-code records of RFC 8628 as the token service and the device portal both read and
 * write them in Redis. Byte for byte shared: key names, hash fields, states and the scripts that move
 * a record from one state to the next atomically.
 *
 * <p>Keys, where {@code <tag>} is the user code's {@link #hashTag hash tag} (4 hex digits of the
 * SHA-256 of the normalized user code):
 * <ul>
 * <li>the record, a Redis hash: {@code ts:device:{<tag>}:<sha256(device_code)>}; the device code
 * itself is never stored;
 * <li>the user-code index, a string holding that same SHA-256: {@code ts:device-user:{<tag>}:<USER_CODE>}.
 * </ul>
 * Both keys carry the record's TTL. The portal knows only the user code and the token service only
 * the device code, so the tag must come from either: the token service puts it in front of the device
 * code it hands out ({@code <tag>.<256 random bits, base64url>}, see {@link #DEVICE_CODE}). With the
 * shared tag both keys live in one Redis Cluster slot, so one script creates them together.
 *
 * <p>States: {@link State}, {@code pending} → {@code approved} | {@code denied}, {@code approved} →
 * {@code consumed} (RFC 8628 §3.5); a code past its {@link #EXPIRES_AT} is expired whatever its state.
 *
 * <p>An approval grants tokens, so a write to Redis alone must not make one: the portal MACs its
 * decision ({@link #DECISION_MAC}, HMAC-SHA256 under a key derived from the master key
 * {@code TS_KEY_ENCRYPTION_KEY} for the purpose {@value #DECISION_MAC_PURPOSE}) over
 * {@link #decisionMacInput what it decided}, and the token service issues nothing for an approval whose
 * MAC does not verify. The record holds nothing bearer: the device code only as its hash (in the key),
 * the user code (short-lived, useless without a login and the user's consent), the approver's identity
 * claims, never a token.
 */
public final class DeviceCodes {

    /** RFC 8628 §6.1: consonants only (no vowels, so no words), no look-alikes. */
    public static final String USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
    public static final Pattern USER_CODE = Pattern.compile("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$");

    /**
     * A device code: its user code's hash tag, a dot, then 256 random bits in base64url (43 characters).
     * Anything else was not handed out by the token service.
     */
    public static final Pattern DEVICE_CODE = Pattern.compile("^([0-9a-f]{4})\\.[A-Za-z0-9_-]{43}$");

    /**
     * The state of a device code, stored in the record's {@link #STATUS} field as its {@link #wire} value
     * (the contract between the portal and the token service). The moves a record may make are listed
     * here once, and the {@link #DECIDE_SCRIPT decide} and {@link #POLL_SCRIPT poll} scripts are written
     * from them.
     */
    public enum State {
        /** Waiting for the user's decision at the portal. */
        PENDING("pending"),
        /** The user allowed the device: the next poll consumes it and receives tokens. */
        APPROVED("approved"),
        /** The user refused: polls answer {@code access_denied} until the code expires. */
        DENIED("denied"),
        /** An approval a poll has taken: the tokens were handed out (or are being). */
        CONSUMED("consumed");

        private final String wire;

        State(String wire) {
            this.wire = wire;
        }

        /** The value in Redis. */
        public String wire() {
            return wire;
        }

        /**
         * Whether a record in this state may move to {@code next}: the portal decides a pending code, a
         * poll consumes an approval, and the token service puts a consumed approval back when issuing
         * failed for a passing reason (so that the next poll retries instead of losing the approval).
         */
        public boolean mayMoveTo(State next) {
            return switch (this) {
                case PENDING -> next == APPROVED || next == DENIED;
                case APPROVED -> next == CONSUMED;
                case CONSUMED -> next == APPROVED;
                case DENIED -> false;
            };
        }

        /** {@code next}, when this state may move there. @throws IllegalStateException otherwise */
        public State moveTo(State next) {
            if (!mayMoveTo(next)) {
                throw new IllegalStateException("a device code does not move from " + wire + " to " + next.wire);
            }
            return next;
        }

        /** The state a stored value names; empty for anything else (a record not written by us). */
        public static Optional<State> of(String wire) {
            for (State state : values()) {
                if (state.wire.equals(wire)) {
                    return Optional.of(state);
                }
            }
            return Optional.empty();
        }
    }

    /** What the {@link #POLL_SCRIPT poll script} answers, besides a {@link State}'s value. */
    public static final String POLL_UNKNOWN = "unknown";
    public static final String POLL_SLOW_DOWN = "slow_down";
    public static final String POLL_EXPIRED = "expired";
    /** The poll's DPoP key (or its lack of one) is not the key the record is pinned to. */
    public static final String POLL_DPOP_KEY = "dpop_key";

    // hash fields
    public static final String STATUS = "status";
    public static final String CLIENT_ID = "client_id";
    /** Space-separated scopes the device asked for. */
    public static final String SCOPE = "scope";
    public static final String USER_CODE_FIELD = "user_code";
    /** Epoch seconds. */
    public static final String EXPIRES_AT = "expires_at";
    /** Seconds; grows by 5 on every slow_down. */
    public static final String INTERVAL = "interval";
    /** Epoch milliseconds of the last poll. */
    public static final String LAST_POLL = "last_poll";
    /** The approving user: {@code sub}, the issuer that vouched for it, identity claims as JSON. */
    public static final String SUBJECT = "subject";
    public static final String IDP = "idp";
    public static final String CLAIMS = "claims";
    public static final String DECIDED_AT = "decided_at";
    /**
     * The portal's HMAC of its decision, base64url: {@code HMAC(key, decisionMacInput(…))}. Without it
     * (or with one made for another record or other values) an approval is not honoured.
     */
    public static final String DECISION_MAC = "decision_mac";
    /**
     * The thumbprint of the DPoP key the device proved first (RFC 9449, at its authorization request or
     * its first poll): every later poll must prove the same key, and the tokens are bound to it. Absent
     * while the device has proved none. Written by the token service only.
     */
    public static final String DPOP_JKT = "dpop_jkt";
    /** The purpose the decision MAC's key is derived for from the master key (both services derive the same). */
    public static final String DECISION_MAC_PURPOSE = "device-decision";

    /**
     * Token service → a new pending record, unless its user code is taken. KEYS[1] user-code index,
     * KEYS[2] record (one hash tag); ARGV: TTL in seconds, the device code's SHA-256, then the record's
     * field/value pairs. Returns 1 when created, 0 when the user code is in use (draw another).
     */
    public static final String CREATE_SCRIPT = """
            if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[1]) then return 0 end
            redis.call('HSET', KEYS[2], unpack(ARGV, 3))
            redis.call('EXPIRE', KEYS[2], ARGV[1])
            return 1
            """;

    /**
     * Portal → approved or denied, only from pending. KEYS[1] record; ARGV: new status, subject, idp,
     * claims JSON, decided_at, decision MAC. Returns 1 when the decision was recorded, 0 otherwise.
     */
    public static final String DECIDE_SCRIPT = """
            if redis.call('HGET', KEYS[1], 'status') ~= '%s' then return 0 end
            redis.call('HSET', KEYS[1], 'status', ARGV[1], 'subject', ARGV[2], 'idp', ARGV[3], 'claims', ARGV[4], 'decided_at', ARGV[5],
              'decision_mac', ARGV[6])
            return 1
            """.formatted(State.PENDING.wire());

    /**
     * Token service poll, RFC 8628 §3.5 in this order: unknown or another client's → "unknown"; the
     * DPoP key: a record pinned to a key other than the poll's (or a poll without a key) → "dpop_key",
     * else the poll's key is pinned when it is the first; faster than the interval → "slow_down"
     * (interval + 5 s); expired → "expired"; then the status, where "approved" is turned into
     * "consumed" in the same step, so exactly one poll wins.
     * KEYS[1] record; ARGV: client_id, now (epoch ms), the poll's DPoP key thumbprint ("" or absent
     * without a proof). Returns the status as a string, except for
     * "approved": then the list {@code approved, scope, subject, idp, claims, decided_at, decision_mac}
     * read in the same step as the consumption, so the values whose MAC the token service checks are
     * the very values of the approval it consumed (a forged approval is consumed, and refused).
     */
    public static final String POLL_SCRIPT = """
            local r = redis.call('HMGET', KEYS[1], 'status', 'client_id', 'interval', 'last_poll', 'expires_at', 'dpop_jkt')
            if not r[1] or r[2] ~= ARGV[1] then return '%1$s' end
            if r[6] then
              if r[6] ~= ARGV[3] then return '%6$s' end
            elseif ARGV[3] and ARGV[3] ~= '' then
              redis.call('HSET', KEYS[1], 'dpop_jkt', ARGV[3])
            end
            local now = tonumber(ARGV[2])
            local interval = tonumber(r[3])
            local last = tonumber(r[4] or '0')
            if last > 0 and now - last < interval * 1000 then
              redis.call('HSET', KEYS[1], 'interval', interval + 5, 'last_poll', now)
              return '%2$s'
            end
            redis.call('HSET', KEYS[1], 'last_poll', now)
            if now >= tonumber(r[5]) * 1000 then return '%3$s' end
            if r[1] == '%4$s' then
              local a = redis.call('HMGET', KEYS[1], 'scope', 'subject', 'idp', 'claims', 'decided_at', 'decision_mac')
              redis.call('HSET', KEYS[1], 'status', '%5$s')
              return {'%4$s', a[1] or '', a[2] or '', a[3] or '', a[4] or '', a[5] or '', a[6] or ''}
            end
            return r[1]
            """.formatted(POLL_UNKNOWN, POLL_SLOW_DOWN, POLL_EXPIRED, State.APPROVED.wire(),
            State.APPROVED.moveTo(State.CONSUMED).wire(), POLL_DPOP_KEY);

    private DeviceCodes() {
    }

    /**
     * The Redis Cluster hash tag of a normalized user code: 4 hex digits of its SHA-256, so that records
     * spread over all 16384 slots. Not secret: it only places keys.
     */
    public static String hashTag(String normalizedUserCode) {
        return Hashes.sha256Hex(normalizedUserCode).substring(0, 4);
    }

    /** A new device code for a user code: {@code <tag>.<secret as base64url>}. */
    public static String deviceCode(String normalizedUserCode, byte[] secret) {
        if (secret.length != 32) {
            throw new IllegalArgumentException("a device code carries 256 random bits");
        }
        return hashTag(normalizedUserCode) + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /**
     * The record key of a presented device code: the code is stored only as its SHA-256, under the
     * hash tag it carries. Empty when the code does not have the form of those the token service hands
     * out: it cannot name a record.
     */
    public static Optional<String> recordKey(String deviceCode) {
        if (deviceCode == null || !DEVICE_CODE.matcher(deviceCode).matches()) {
            return Optional.empty();
        }
        return Optional.of(recordKeyOfHash(deviceCode.substring(0, 4), Hashes.sha256Hex(deviceCode)));
    }

    /** The record key from what the portal has: the user code's hash tag and the index's value. */
    public static String recordKeyOfHash(String hashTag, String deviceCodeHash) {
        return "ts:device:{" + hashTag + "}:" + deviceCodeHash;
    }

    /** The user-code index key; its value is the device code's hash. */
    public static String userCodeKey(String normalizedUserCode) {
        return "ts:device-user:{" + hashTag(normalizedUserCode) + "}:" + normalizedUserCode;
    }

    /**
     * What a person typed, as a user code: case, spaces and dashes do not matter. Empty when it
     * cannot be a user code at all (wrong length or letters outside the alphabet).
     */
    public static Optional<String> normalize(String typed) {
        if (typed == null || typed.length() > 64) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder(9);
        for (char c : typed.toUpperCase(Locale.ROOT).toCharArray()) {
            if (c == ' ' || c == '-' || c == '\t') {
                continue;
            }
            if (USER_CODE_ALPHABET.indexOf(c) < 0) {
                return Optional.empty();
            }
            sb.append(c);
        }
        if (sb.length() != 8) {
            return Optional.empty();
        }
        return Optional.of(sb.insert(4, '-').toString());
    }

    /**
     * What the decision MAC covers, unambiguously (each value length-prefixed): the record key (so a
     * MAC copied onto another record fails), the client and scope the user was shown, the decision,
     * who decided and when. A null value counts as empty.
     */
    public static String decisionMacInput(String recordKey, String clientId, String scope, String status, String subject,
            String idp, String claims, String decidedAt) {
        StringBuilder input = new StringBuilder("ts-device-decision-v1");
        for (String value : new String[] {recordKey, clientId, scope, status, subject, idp, claims, decidedAt}) {
            String v = value == null ? "" : value;
            input.append('\n').append(v.length()).append(':').append(v);
        }
        return input.toString();
    }
}
