package dev.tokenservices.shared.registry;

import java.util.List;

/**
 * An API that tokens are issued for (RFC 8707 resource indicator, which becomes the token's aud),
 * its scopes, and optionally the scope authority its owners run.
 */
public record ResourceEntry(String resource, List<String> scopes, Authority authority) {

    public ResourceEntry {
        scopes = List.copyOf(scopes);
    }

    /** The scope-authority webhook and what to do when it cannot answer. */
    public record Authority(String url, int timeoutMs, OnFailure onFailure) {
    }

    public enum OnFailure {
        /** The resource's scopes are left out of the token. */
        DROP,
        /** The whole request fails with 503 temporarily_unavailable. */
        DENY;

        /** As written in the file. */
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
