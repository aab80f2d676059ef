package dev.tokenservices.portal.audit;

import dev.tokenservices.shared.device.DeviceCodes;

/**
 * A user decided a device request on the consent page (a CDI event, observed synchronously by the
 * audit log and the metrics). Carries no code.
 *
 * @param decision {@link DeviceCodes.State#APPROVED} or {@link DeviceCodes.State#DENIED}
 * @param subject  the deciding user at {@code idp}
 */
public record DeviceDecided(DeviceCodes.State decision, String clientId, String subject, String idp) {
}
