package dev.tokenservices.shared.registry;

/** The registry file is wrong; the message names the file, the entry and the field. */
public class RegistryException extends RuntimeException {
    public RegistryException(String message) {
        super(message);
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
