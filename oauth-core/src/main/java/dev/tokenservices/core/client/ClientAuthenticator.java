package dev.tokenservices.core.client;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.oauth.BasicCredentials;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.AuthMethod;
import io.smallrye.mutiny.Uni;
import java.util.Optional;
import java.util.function.Function;

/**
 * Client authentication at every endpoint of both authorization servers that takes it (RFC 6749
 * §2.3): {@code client_secret_basic}, {@code client_secret_post}, {@code private_key_jwt} (RFC 7523
 * §2.2, where the service offers it) and {@code none} for public clients. A client must use the
 * method it is registered with, and one method only.
 *
 * <p>An unknown client, a wrong secret and a method the client is not registered for give the same
 * answer, and secrets are compared as SHA-256 hashes in constant time, so nothing tells them apart.
 */
public final class ClientAuthenticator {

    static final String FAILED = "client authentication failed";
    /** Compared against when the client is unknown, so that path costs the same as a wrong secret. */
    private static final byte[] UNKNOWN_CLIENT_HASH = Hashes.sha256("no client has this secret");

    private final ClientLookup clients;
    private final ClientAssertions assertions;

    /** Where a service finds its clients when some of them are not in memory (a database, a fetched document). */
    @FunctionalInterface
    public interface ClientLookup {
        /** The client, empty when unknown; a failure is the request's answer (e.g. {@code invalid_client}, 503). */
        Uni<Optional<RegisteredClient>> find(String clientId);
    }

    /**
     * @param clients the service's registered clients by id, all in memory
     * @param assertions how {@code private_key_jwt} assertions are checked, or null where the service
     *        does not offer that method (an assertion is then refused before anything else)
     */
    public ClientAuthenticator(Function<String, Optional<RegisteredClient>> clients, ClientAssertions assertions) {
        this((ClientLookup) clientId -> Uni.createFrom().item(clients.apply(clientId)), assertions);
    }

    private ClientAuthenticator(ClientLookup clients, ClientAssertions assertions) {
        this.clients = clients;
        this.assertions = assertions;
    }

    /** Over clients that are looked up asynchronously. */
    public static ClientAuthenticator lookingUp(ClientLookup clients, ClientAssertions assertions) {
        return new ClientAuthenticator(clients, assertions);
    }

    public Uni<RegisteredClient> authenticate(FormRequest request) {
        String header = request.authorization();
        boolean basic = header != null && header.regionMatches(true, 0, "Basic ", 0, 6);
        String bodySecret = request.get("client_secret");
        String assertionType = request.get("client_assertion_type");
        boolean assertion = assertionType != null || request.get("client_assertion") != null;
        if (assertion && assertions == null) {
            throw OAuthException.invalidClient("private_key_jwt is not supported at this endpoint");
        }
        int methods = (basic ? 1 : 0) + (bodySecret != null ? 1 : 0) + (assertion ? 1 : 0);
        if (methods > 1) {
            throw OAuthException.invalidRequest("the client used more than one authentication method (RFC 6749 §2.3)");
        }
        if (basic) {
            BasicCredentials credentials = BasicCredentials.parse(header.substring(6).trim());
            String bodyClientId = request.get("client_id");
            if (bodyClientId != null && !bodyClientId.equals(credentials.clientId())) {
                throw OAuthException.invalidRequest("client_id does not match the client in the Authorization header");
            }
            return secret(credentials.clientId(), credentials.secret(), AuthMethod.CLIENT_SECRET_BASIC);
        }
        if (bodySecret != null) {
            String clientId = request.get("client_id");
            if (clientId == null) {
                throw OAuthException.invalidClient(FAILED);
            }
            return secret(clientId, bodySecret, AuthMethod.CLIENT_SECRET_POST);
        }
        if (assertion) {
            return assertions.authenticate(request, assertionType, clients);
        }
        String clientId = request.get("client_id");
        if (clientId == null) {
            throw OAuthException.invalidClient("client authentication is required");
        }
        return clients.find(clientId).map(found -> {
            RegisteredClient client = found.orElse(null);
            if (client == null || client.entry().authMethod() != AuthMethod.NONE) {
                throw OAuthException.invalidClient(FAILED);
            }
            return client;
        });
    }

    private Uni<RegisteredClient> secret(String clientId, String secret, AuthMethod method) {
        return clients.find(clientId).map(found -> {
            RegisteredClient client = found.orElse(null);
            byte[] expected = client != null && client.secretHash() != null ? client.secretHash() : UNKNOWN_CLIENT_HASH;
            boolean matches = Hashes.equal(Hashes.sha256(secret), expected);
            if (!matches || client == null || client.entry().authMethod() != method) {
                throw OAuthException.invalidClient(FAILED);
            }
            return client;
        });
    }
}
