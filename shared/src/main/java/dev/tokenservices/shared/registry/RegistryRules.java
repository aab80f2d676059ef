package dev.tokenservices.shared.registry;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.shared.registry.RegistryDocument.Client;
import dev.tokenservices.shared.registry.RegistryDocument.Resource;
import dev.tokenservices.shared.registry.RegistryDocument.TrustedIssuer;
import dev.tokenservices.shared.registry.RegistryDocument.UpstreamIdp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules Bean Validation cannot say field by field: what one field requires of another (an auth
 * method of a secret or keys), what entries require of each other (unique ids, one resource per
 * scope), the secrets this service reads; then the entries the services use, with the defaults.
 */
final class RegistryRules {

    private static final String DEFAULT_UPSTREAM_SCOPE = "openid email profile";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryFile file;

    RegistryRules(RegistryFile file) {
        this.file = file;
    }

    Registry registry(RegistryDocument document) {
        List<ResourceEntry> resources = new ArrayList<>();
        Map<String, String> scopeOwner = new HashMap<>();
        Set<String> resourceIds = new HashSet<>();
        for (Resource r : document.resources()) {
            String where = RegistryFile.entry("resources", resources.size(), r.resource());
            if (!resourceIds.add(r.resource())) {
                throw file.error(where, "resource", "is registered twice");
            }
            for (String scope : r.scopes()) {
                String owner = scopeOwner.putIfAbsent(scope, r.resource());
                if (owner != null) {
                    throw file.error(where, "scopes", "scope '" + scope + "' already belongs to " + owner
                            + "; a scope names exactly one resource");
                }
            }
            resources.add(resource(r));
        }
        List<ClientEntry> clients = new ArrayList<>();
        Set<String> clientIds = new HashSet<>();
        for (Client c : document.clients()) {
            String where = RegistryFile.entry("clients", clients.size(), c.clientId());
            if (!clientIds.add(c.clientId())) {
                throw file.error(where, "client_id", "is registered twice");
            }
            clients.add(client(where, clients.size(), c));
        }
        List<TrustedIssuerEntry> issuers = document.trustedIssuers().stream()
                .map(t -> new TrustedIssuerEntry(t.issuer(), t.audiences(), t.clients())).toList();
        List<UpstreamIdpEntry> idps = new ArrayList<>();
        Set<String> idpIds = new HashSet<>();
        for (UpstreamIdp idp : document.upstreamIdps()) {
            String where = RegistryFile.entry("upstream_idps", idps.size(), idp.id());
            if (!idpIds.add(idp.id())) {
                throw file.error(where, "id", "is registered twice");
            }
            idps.add(upstreamIdp(where, idps.size(), idp));
        }
        return new Registry(clients, resources, issuers, idps);
    }

    private ClientEntry client(String where, int index, Client c) {
        String jwks = c.jwks() == null ? null : jwks(where, c.jwks());
        AuthMethod method = c.tokenEndpointAuthMethod();
        if (method == null) {
            method = c.clientSecret() != null ? AuthMethod.CLIENT_SECRET_BASIC : jwks != null ? AuthMethod.PRIVATE_KEY_JWT : null;
            if (method == null) {
                throw file.error(where, "token_endpoint_auth_method",
                        "is required when the client has neither client_secret nor jwks (use 'none' for a public client)");
            }
        }
        Set<String> grants = new LinkedHashSet<>(c.grantTypes() == null ? List.of(GrantTypes.AUTHORIZATION_CODE) : c.grantTypes());
        String secretHash = null;
        if (method.usesSecret()) {
            if (c.clientSecret() == null) {
                throw file.error(where, "client_secret", "is required for token_endpoint_auth_method " + method);
            }
            // a service that does not authenticate this client neither resolves nor holds its secret
            if (readsSecretOf(grants)) {
                String secret = file.resolve("clients[" + index + "].client_secret", c.clientSecret());
                file.checkSecret(where, "client_secret", secret);
                if (secret.length() < RegistryFile.MIN_SECRET_LENGTH) {
                    throw file.error(where, "client_secret", "is shorter than " + RegistryFile.MIN_SECRET_LENGTH
                            + " characters; use a high-entropy secret (e.g. openssl rand -base64 32)");
                }
                secretHash = Hashes.sha256Hex(secret);
            }
        } else if (c.clientSecret() != null) {
            throw file.error(where, "client_secret", "is not used with token_endpoint_auth_method " + method + "; remove it");
        }
        if (method == AuthMethod.PRIVATE_KEY_JWT && jwks == null) {
            throw file.error(where, "jwks", "is required for token_endpoint_auth_method private_key_jwt");
        }
        if (method == AuthMethod.NONE && grants.contains(GrantTypes.CLIENT_CREDENTIALS)) {
            throw file.error(where, "grant_types", "client_credentials needs an authenticated client; a public client (none) cannot use it");
        }
        // RFC 9700 §2.1.1: a public client has nothing but PKCE to bind its code to itself
        if (method == AuthMethod.NONE && Boolean.FALSE.equals(c.requirePkce())) {
            throw file.error(where, "require_pkce", "cannot be false for a public client (token_endpoint_auth_method none): "
                    + "PKCE is what protects its codes; remove it");
        }
        int lifetime = c.accessTokenLifetime() == null ? ClientEntry.DEFAULT_ACCESS_TOKEN_LIFETIME : c.accessTokenLifetime().intValue();
        return new ClientEntry(c.clientId(), c.clientName(), secretHash, method, grants, scopes(c.scope()), lifetime,
                orEmpty(c.redirectUris()), orEmpty(c.postLogoutRedirectUris()), jwks, c.requirePkce() == null || c.requirePkce(),
                c.idTokenSignedResponseAlg() == null ? KeyAlgorithm.RS256 : c.idTokenSignedResponseAlg());
    }

    /**
     * Whether this service reads a client's secret: the token service every client's, the orchestrator
     * those of the clients that log users in (authorization_code, the default).
     */
    private boolean readsSecretOf(Set<String> grants) {
        return file.reads().contains(SecretField.CLIENT_SECRETS)
                || file.reads().contains(SecretField.LOGIN_CLIENT_SECRETS) && grants.contains(GrantTypes.AUTHORIZATION_CODE);
    }

    /** Public keys only, each with its type; kept as the JWK Set's JSON. */
    private String jwks(String where, RegistryDocument.Jwks jwks) {
        for (Map<String, Object> key : jwks.keys()) {
            if (key == null || key.get("kty") == null) {
                throw file.error(where, "jwks", "every key needs 'kty'");
            }
            if (key.containsKey("d") || key.containsKey("p") || key.containsKey("k")) {
                throw file.error(where, "jwks", "must hold public keys only (found private or symmetric key material)");
            }
        }
        try {
            return JSON.writeValueAsString(jwks);
        } catch (JsonProcessingException e) {
            throw file.error(where, "jwks", "cannot be written as JSON: " + e.getOriginalMessage());
        }
    }

    private static ResourceEntry resource(Resource r) {
        RegistryDocument.Authority a = r.authority();
        ResourceEntry.Authority authority = a == null ? null : new ResourceEntry.Authority(a.url(),
                a.timeoutMs() == null ? 500 : a.timeoutMs().intValue(),
                a.onFailure() == null ? ResourceEntry.OnFailure.DROP : a.onFailure());
        return new ResourceEntry(r.resource(), r.scopes(), authority);
    }

    private UpstreamIdpEntry upstreamIdp(String where, int index, UpstreamIdp idp) {
        String secret = null;
        if (file.reads().contains(SecretField.UPSTREAM_IDP_SECRETS)) {
            secret = file.resolve("upstream_idps[" + index + "].client_secret", idp.clientSecret());
            file.checkSecret(where, "client_secret", secret);
        }
        String scope = idp.scope() == null ? DEFAULT_UPSTREAM_SCOPE : idp.scope();
        if (!scopes(scope).contains("openid")) {
            throw file.error(where, "scope", "must include 'openid'");
        }
        return new UpstreamIdpEntry(idp.id(), idp.issuer(), idp.clientId(), secret, scope,
                idp.logoutUpstream() == null || idp.logoutUpstream());
    }

    private static Set<String> scopes(String value) {
        return value == null || value.isBlank() ? Set.of() : new LinkedHashSet<>(List.of(value.trim().split(" +")));
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
