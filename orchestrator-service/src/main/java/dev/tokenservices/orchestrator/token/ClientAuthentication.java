package dev.tokenservices.orchestrator.token;

import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.shared.oauth.BasicCredentials;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.AuthMethod;
import dev.tokenservices.shared.registry.ClientEntry;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Client authentication at the orchestrator's token endpoint (RFC 6749 §2.3), by the token
 * service's rules: {@code client_secret_basic} and {@code client_secret_post} against the registry's
 * SHA-256 hashes in constant time, {@code none} for public clients (which then must use PKCE, as
 * every client here does). A client must use its registered method; an unknown client and a wrong
 * secret read the same. ({@code private_key_jwt} is not offered here.)
 */
@ApplicationScoped
public class ClientAuthentication {

    private static final String FAILED = "client authentication failed";
    private static final byte[] UNKNOWN_CLIENT_HASH = sha256("no client has this secret");

    private final Clients clients;

    public ClientAuthentication(Clients clients) {
        this.clients = clients;
    }

    public ClientEntry authenticate(FormRequest request) {
        String header = request.authorization();
        boolean basic = header != null && header.regionMatches(true, 0, "Basic ", 0, 6);
        String bodySecret = request.get("client_secret");
        if (request.get("client_assertion") != null || request.get("client_assertion_type") != null) {
            throw OAuthException.invalidClient("private_key_jwt is not supported at this endpoint");
        }
        if (basic && bodySecret != null) {
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
        String clientId = request.get("client_id");
        if (clientId == null) {
            throw OAuthException.invalidClient("client authentication is required");
        }
        if (bodySecret != null) {
            return secret(clientId, bodySecret, AuthMethod.CLIENT_SECRET_POST);
        }
        ClientEntry client = clients.client(clientId).orElse(null);
        if (client == null || client.authMethod() != AuthMethod.NONE) {
            throw OAuthException.invalidClient(FAILED);
        }
        return client;
    }

    private ClientEntry secret(String clientId, String secret, AuthMethod method) {
        ClientEntry client = clients.client(clientId).orElse(null);
        byte[] expected = client != null && client.secretHash() != null ? HexFormat.of().parseHex(client.secretHash()) : UNKNOWN_CLIENT_HASH;
        boolean matches = MessageDigest.isEqual(sha256(secret), expected);
        if (!matches || client == null || client.authMethod() != method) {
            throw OAuthException.invalidClient(FAILED);
        }
        return client;
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
