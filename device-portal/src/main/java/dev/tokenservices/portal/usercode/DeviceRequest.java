package dev.tokenservices.portal.usercode;

import java.time.Instant;
import java.util.List;

/**
 * A device-code record as the portal sees it (RFC 8628 §3.2), read from Redis in the shared format
 * of {@link dev.tokenservices.shared.device.DeviceCodes}. Holds no device code: only the record key,
 * which is derived from its hash.
 */
public record DeviceRequest(String recordKey, String userCode, String clientId, List<String> scopes, String status,
        Instant expiresAt) {

    public DeviceRequest {
        scopes = List.copyOf(scopes);
    }
}
