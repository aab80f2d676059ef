package dev.tokenservices.core;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.registry.AuthMethod;
import dev.tokenservices.shared.registry.ClientEntry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Registered clients for the core's tests, and a lookup over them. */
public final class TestClients {

    public static final String SECRET = "worker-secret-0123456789abcdef";

    private TestClients() {
    }

    public static RegisteredClient client(String id, AuthMethod method, String... grantTypes) {
        return client(id, method, false, grantTypes);
    }

    /** A client registered with {@code dpop_bound_access_tokens: true}. */
    public static RegisteredClient dpopBound(String id, AuthMethod method, String... grantTypes) {
        return client(id, method, true, grantTypes);
    }

    private static RegisteredClient client(String id, AuthMethod method, boolean dpopBound, String... grantTypes) {
        String hash = method.usesSecret() ? Hashes.sha256Hex(SECRET) : null;
        return RegisteredClient.of(new ClientEntry(id, id, hash, method, Set.of(grantTypes), Set.of("read"),
                ClientEntry.DEFAULT_ACCESS_TOKEN_LIFETIME, List.of(), List.of(), null, true, dev.tokenservices.shared.jose.KeyAlgorithm.RS256,
                dpopBound, false));
    }

    public static Function<String, Optional<RegisteredClient>> lookup(RegisteredClient... clients) {
        Map<String, RegisteredClient> byId = new java.util.HashMap<>();
        for (RegisteredClient c : clients) {
            byId.put(c.clientId(), c);
        }
        return id -> Optional.ofNullable(byId.get(id));
    }
}
