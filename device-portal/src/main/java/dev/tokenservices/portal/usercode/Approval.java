package dev.tokenservices.portal.usercode;

/**
 * The user who decides on a device request, as the token service will need them for the token
 * exchange behind the device grant: the upstream {@code sub}, the issuer that vouched for it, and
 * identity claims as a JSON object (never a raw token).
 */
public record Approval(String subject, String idp, String claimsJson) {
}
