package dev.tokenservices.shared.registry;

import java.util.Arrays;
import java.util.Optional;

/** RFC 7591 §2 token_endpoint_auth_method values this project supports. */
public enum AuthMethod {
    CLIENT_SECRET_BASIC("client_secret_basic"),
    CLIENT_SECRET_POST("client_secret_post"),
    /** RFC 7523 §2.2: a JWT signed with a key from the client's registered jwks. */
    PRIVATE_KEY_JWT("private_key_jwt"),
    /** A public client: identified by client_id, not authenticated. */
    NONE("none");

    private final String value;

    AuthMethod(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    public boolean usesSecret() {
        return this == CLIENT_SECRET_BASIC || this == CLIENT_SECRET_POST;
    }

    public static Optional<AuthMethod> of(String value) {
        return Arrays.stream(values()).filter(m -> m.value.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return value;
    }
}
