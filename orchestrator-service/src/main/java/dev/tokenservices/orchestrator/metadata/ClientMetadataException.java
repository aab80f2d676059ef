package dev.tokenservices.orchestrator.metadata;

/**
 * Client metadata that cannot be used (RFC 7591 §3.2.2): {@code invalid_redirect_uri} or
 * {@code invalid_client_metadata}, with a description for the client's developer. At /register it is
 * the JSON answer; for a Client ID Metadata Document it is shown on an error page, since a client we
 * cannot trust is never sent to its redirect URI.
 */
public final class ClientMetadataException extends RuntimeException {

    private final String error;

    public ClientMetadataException(String error, String description) {
        super(description, null, false, false);
        this.error = error;
    }

    public String error() {
        return error;
    }
}
