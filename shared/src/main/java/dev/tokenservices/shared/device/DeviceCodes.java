package dev.tokenservices.shared.device;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The device-code records of RFC 8628 as the token service and the device portal both read and
 * write them in Redis. Byte for byte shared: key names, hash fields, states and the scripts that move
 * a record from one state to the next atomically.
 *
 * <p>A record is a Redis hash under {@code ts:device:{<sha256(device_code)>}}; the device code itself
 * is never stored. The user-code index {@code ts:device-user:<USER_CODE>} holds that same hash. Both
 * keys carry the record's TTL.
 *
 * <p>States: {@code pending} → {@code approved} | {@code denied} → {@code consumed} (RFC 8628 §3.5).
 */
public final class DeviceCodes {

    /** RFC 8628 §6.1: consonants only (no vowels, so no words), no look-alikes. */
    public static final String USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
    public static final Pattern USER_CODE = Pattern.compile("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$");

    public static final String PENDING = "pending";
    public static final String APPROVED = "approved";
    public static final String DENIED = "denied";
    public static final String CONSUMED = "consumed";

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
     * Portal → approved or denied, only from pending. KEYS[1] record; ARGV: new status, subject, idp,
     * claims JSON, decided_at. Returns 1 when the decision was recorded, 0 otherwise.
     */
    public static final String DECIDE_SCRIPT = """
            if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
            redis.call('HSET', KEYS[1], 'status', ARGV[1], 'subject', ARGV[2], 'idp', ARGV[3], 'claims', ARGV[4], 'decided_at', ARGV[5])
            return 1
            """;

    /**
     * Token service poll, RFC 8628 §3.5 in this order: unknown or another client's → "unknown";
     * faster than the interval → "slow_down" (interval + 5 s); expired → "expired"; then the status,
     * where "approved" is turned into "consumed" in the same step, so exactly one poll wins.
     * KEYS[1] record; ARGV: client_id, now (epoch ms).
     */
    public static final String POLL_SCRIPT = """
            local r = redis.call('HMGET', KEYS[1], 'status', 'client_id', 'interval', 'last_poll', 'expires_at')
            if not r[1] or r[2] ~= ARGV[1] then return 'unknown' end
            local now = tonumber(ARGV[2])
            local interval = tonumber(r[3])
            local last = tonumber(r[4] or '0')
            if last > 0 and now - last < interval * 1000 then
              redis.call('HSET', KEYS[1], 'interval', interval + 5, 'last_poll', now)
              return 'slow_down'
            end
            redis.call('HSET', KEYS[1], 'last_poll', now)
            if now >= tonumber(r[5]) * 1000 then return 'expired' end
            if r[1] == 'approved' then
              redis.call('HSET', KEYS[1], 'status', 'consumed')
              return 'approved'
            end
            return r[1]
            """;

    private DeviceCodes() {
    }

    /** The record key of a device code: the code is stored only as its SHA-256. */
    public static String recordKey(String deviceCode) {
        return recordKeyOfHash(sha256Hex(deviceCode));
    }

    public static String recordKeyOfHash(String deviceCodeHash) {
        return "ts:device:{" + deviceCodeHash + "}";
    }

    /** The user-code index key; its value is the device code's hash. */
    public static String userCodeKey(String normalizedUserCode) {
        return "ts:device-user:" + normalizedUserCode;
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

    public static String sha256Hex(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
