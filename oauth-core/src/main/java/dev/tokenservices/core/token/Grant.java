package dev.tokenservices.core.token;

import dev.tokenservices.shared.registry.GrantTypes;

/**
 * A grant type and the parameters it takes at the token endpoint, as its RFC defines them: the one
 * list a handler is held to, whichever service implements the grant.
 */
public record Grant(String type, GrantParameters parameters) {

    /** RFC 6749 §4.4.2; {@code resource} RFC 8707 §2.1. */
    public static final Grant CLIENT_CREDENTIALS = new Grant(GrantTypes.CLIENT_CREDENTIALS,
            GrantParameters.optional("scope", "resource"));

    /**
     * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5): redirect_uri and code_verifier are judged against the
     * code, so their absence is {@code invalid_grant}, not a missing parameter; {@code resource} RFC
     * 8707 §2.2.
     */
    public static final Grant AUTHORIZATION_CODE = new Grant(GrantTypes.AUTHORIZATION_CODE,
            GrantParameters.required("code").andOptional("redirect_uri", "code_verifier", "resource"));

    /**
     * RFC 6749 §6: scope may only narrow; so may {@code resource} (RFC 8707 §2.2), which the token
     * service's refresh tokens, each for the audience it was issued for, do not read.
     */
    public static final Grant REFRESH_TOKEN = new Grant(GrantTypes.REFRESH_TOKEN,
            GrantParameters.required("refresh_token").andOptional("scope", "resource"));

    /** RFC 8628 §3.4. */
    public static final Grant DEVICE_CODE = new Grant(GrantTypes.DEVICE_CODE, GrantParameters.required("device_code"));

    /** RFC 8693 §2.1; {@code resource} RFC 8707. */
    public static final Grant TOKEN_EXCHANGE = new Grant(GrantTypes.TOKEN_EXCHANGE,
            GrantParameters.required("subject_token", "subject_token_type")
                    .andOptional("actor_token", "actor_token_type", "requested_token_type", "scope", "resource", "audience"));
}
