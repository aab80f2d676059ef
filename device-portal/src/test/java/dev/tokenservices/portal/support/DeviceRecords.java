package dev.tokenservices.portal.support;

import dev.tokenservices.shared.device.DeviceCodes;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Device-code records written as the token service writes them (the shared format): the record hash
 * under the device code's hash, the user-code index beside it, both with a TTL.
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
        return create(clientId, scope, DeviceCodes.PENDING, Instant.now().plusSeconds(600));
    }

    public Device create(String clientId, String scope, String status, Instant expiresAt) {
        String deviceCode = randomDeviceCode();
        String userCode = randomUserCode();
        String key = DeviceCodes.recordKey(deviceCode);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(DeviceCodes.STATUS, status);
        fields.put(DeviceCodes.CLIENT_ID, clientId);
        fields.put(DeviceCodes.SCOPE, scope);
        fields.put(DeviceCodes.USER_CODE_FIELD, userCode);
        fields.put(DeviceCodes.EXPIRES_AT, Long.toString(expiresAt.getEpochSecond()));
        fields.put(DeviceCodes.INTERVAL, "5");
        // Like the token service: the keys outlive expires_at a little, so "expired" can be told apart.
        Duration ttl = Duration.ofSeconds(Math.max(60, expiresAt.getEpochSecond() - Instant.now().getEpochSecond() + 60));
        redis.hash(String.class).hset(key, fields);
        redis.key().expire(key, ttl);
        redis.value(String.class).set(DeviceCodes.userCodeKey(userCode), DeviceCodes.sha256Hex(deviceCode), new SetArgs().ex(ttl));
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

    /** Forgets every wrong-code counter, so that each test starts under the limits. */
    public void resetRateLimits() {
        for (String key : redis.key().keys("ts:portal:*")) {
            redis.key().del(key);
        }
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

    private static String randomDeviceCode() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
