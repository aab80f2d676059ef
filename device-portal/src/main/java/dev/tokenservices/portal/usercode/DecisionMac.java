package dev.tokenservices.portal.usercode;

import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.jose.KeyEncryption;
import io.quarkus.runtime.LaunchMode;
import jakarta.inject.Singleton;

/**
 * The portal's MAC over a device decision ({@link DeviceCodes#DECISION_MAC}): HMAC-SHA256 under a key
 * derived from the master key {@code TS_KEY_ENCRYPTION_KEY} for {@value DeviceCodes#DECISION_MAC_PURPOSE}.
 * The token service derives the same key and honours only approvals whose MAC verifies, so whoever
 * can write to Redis still cannot approve a device.
 */
@Singleton
public class DecisionMac {

    private final RecordSeal seal;

    /** @throws IllegalStateException naming the setting when the master key is missing or malformed (stops start-up) */
    public DecisionMac(PortalConfig config) {
        try {
            this.seal = KeyEncryption.forService(config.keyEncryptionKey(), LaunchMode.current().isDevOrTest())
                    .recordSeal(DeviceCodes.DECISION_MAC_PURPOSE);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new IllegalStateException("TS_KEY_ENCRYPTION_KEY (portal.key-encryption-key) must be the token service's master key "
                    + "(base64 of 32 bytes): device approvals are MACed under a key derived from it. " + e.getMessage(), e);
        }
    }

    /** The MAC of a decision on {@code request}, over exactly what is written and what the user was shown. */
    String of(DeviceRequest request, String status, Approval approval, String decidedAt) {
        return seal.mac(DeviceCodes.decisionMacInput(request.recordKey(), request.clientId(), request.scope(), status,
                approval.subject(), approval.idp(), approval.claimsJson(), decidedAt));
    }
}
