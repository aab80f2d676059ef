package dev.tokenservices.token.grant.devicecode;

import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.token.config.TokenServiceConfig;
import io.quarkus.redis.datasource.RedisDataSource;
import java.util.Map;

/**
 * Decisions as the device portal records them: the shared decide script with the portal's MAC over
 * the record, under the key both services derive from the same master key (in tests the built-in
 * development key, as the portal's tests use).
 */
public final class PortalDecisions {

    private final RedisDataSource redis;
    private final RecordSeal seal;

    public PortalDecisions(RedisDataSource redis, TokenServiceConfig config) {
        this.redis = redis;
        this.seal = KeyEncryption.forService(config.keyEncryptionKey(), true).recordSeal(DeviceCodes.DECISION_MAC_PURPOSE);
    }

    /** Records {@code status} for the user on the pending record, as the portal does; true when recorded. */
    public boolean decide(String record, String status, String subject, String idp, String claims) {
        Map<String, String> fields = redis.hash(String.class).hgetall(record);
        String decidedAt = Long.toString(System.currentTimeMillis() / 1000);
        String mac = seal.mac(DeviceCodes.decisionMacInput(record, fields.get(DeviceCodes.CLIENT_ID), fields.get(DeviceCodes.SCOPE),
                status, subject, idp, claims, decidedAt));
        return redis.execute("EVAL", DeviceCodes.DECIDE_SCRIPT, "1", record, status, subject, idp, claims, decidedAt, mac).toLong() == 1L;
    }
}
