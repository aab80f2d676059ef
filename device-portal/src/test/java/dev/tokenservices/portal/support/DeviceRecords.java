package dev.tokenservices.portal.support;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.device.DeviceCodes;
import io.quarkus.redis.datasource.RedisDataSource;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Device-code records written as the token service writes them (the shared format and its create
 * script): the record hash under the device code's hash, the user-code index beside it in the same
 * hash tag, both with a TTL.
 */
public final class DeviceRecords {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final RedisDataSource redis;

    public DeviceRecords(RedisDataSource redis) {
        this.redis = redis;
    }

    /** One record as created: the device's secret and the code shown on its screen. */
    public record Device(String deviceCode, String userCode, String recordKey) {
    }

    public Device pending(String clientId, String scope) {
        return create(clientId, scope, "pending", Instant.now().plusSeconds(600));
    }

    public Device create(String clientId, String scope, String status, Instant expiresAt) {
        String userCode = randomUserCode();
        String deviceCode = randomDeviceCode(userCode);
        String key = DeviceCodes.recordKey(deviceCode).orElseThrow();
        // Like the token service: the keys outlive expires_at a little, so "expired" can be told apart.
        Duration ttl = Duration.ofSeconds(Math.max(60, expiresAt.getEpochSecond() - Instant.now().getEpochSecond() + 60));
        List<String> args = new ArrayList<>(List.of(DeviceCodes.CREATE_SCRIPT, "2", DeviceCodes.userCodeKey(userCode), key,
                Long.toString(ttl.toSeconds()), Hashes.sha256Hex(deviceCode)));
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(DeviceCodes.STATUS, status);
        fields.put(DeviceCodes.CLIENT_ID, clientId);
        fields.put(DeviceCodes.SCOPE, scope);
        fields.put(DeviceCodes.USER_CODE_FIELD, userCode);
        fields.put(DeviceCodes.EXPIRES_AT, Long.toString(expiresAt.getEpochSecond()));
        fields.put(DeviceCodes.INTERVAL, "5");
        fields.put(DeviceCodes.LAST_POLL, "0");
        fields.forEach((name, value) -> {
            args.add(name);
            args.add(value);
        });
        if (redis.execute("EVAL", args.toArray(String[]::new)).toLong() != 1L) {
            throw new IllegalStateException("user code taken; a test drew a code that is in use");
        }
        return new Device(deviceCode, userCode, key);
    }

    public Map<String, String> read(Device device) {
        return redis.hash(String.class).hgetall(device.recordKey());
    }

    public long ttl(Device device) {
        return redis.key().ttl(device.recordKey());
    }

    public void setStatus(Device device, String status) {
        redis.hash(String.class).hset(device.recordKey(), DeviceCodes.STATUS, status);
    }

    public static String randomUserCode() {
        StringBuilder sb = new StringBuilder(9);
        for (int i = 0; i < 8; i++) {
            if (i == 4) {
                sb.append('-');
            }
            sb.append(DeviceCodes.USER_CODE_ALPHABET.charAt(RANDOM.nextInt(DeviceCodes.USER_CODE_ALPHABET.length())));
        }
        return sb.toString();
    }

    private static String randomDeviceCode(String userCode) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return DeviceCodes.deviceCode(userCode, bytes);
    }
}
