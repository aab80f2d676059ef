package dev.tokenservices.shared.registry;

import java.util.Set;

/** Grant type identifiers (RFC 6749 §4, RFC 8693 §2.1, RFC 8628 §3.4). */
public final class GrantTypes {
    public static final String CLIENT_CREDENTIALS = "client_credentials";
    public static final String AUTHORIZATION_CODE = "authorization_code";
    public static final String REFRESH_TOKEN = "refresh_token";
    public static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    public static final String DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";

    public static final Set<String> KNOWN =
            Set.of(CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN, TOKEN_EXCHANGE, DEVICE_CODE);

    /** The known grant types in alphabetical order, as a registry error lists them. */
    static final String SUPPORTED = AUTHORIZATION_CODE + ", " + CLIENT_CREDENTIALS + ", " + REFRESH_TOKEN + ", "
            + DEVICE_CODE + ", " + TOKEN_EXCHANGE;
    /** A regular expression matching exactly the known grant types. */
    static final String PATTERN = CLIENT_CREDENTIALS + "|" + AUTHORIZATION_CODE + "|" + REFRESH_TOKEN + "|"
            + TOKEN_EXCHANGE + "|" + DEVICE_CODE;

    private GrantTypes() {
    }
}
