package dev.tokenservices.portal.usercode;

import dev.tokenservices.shared.device.DeviceCodes;
import java.time.Instant;
import java.util.List;

/**
 * A device-code record as the portal sees it (RFC 8628 §3.2), read from Redis in the shared format
 * of {@link dev.tokenservices.shared.device.DeviceCodes}. Holds no device code: only the record key,
 * which is derived from its hash.
 *
 * @param scope the record's scope as stored (what the decision MAC covers)
 * @param scopes the same, one by one, for the consent page
 */
public record DeviceRequest(String recordKey, String userCode, String clientId, String scope, List<String> scopes,
        DeviceCodes.State state, Instant expiresAt) {

    public DeviceRequest {
        scopes = List.copyOf(scopes);
    }
}
