package dev.tokenservices.shared.registry;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.shared.registry.RegistryDocument.Client;
import dev.tokenservices.shared.registry.RegistryDocument.Resource;
import dev.tokenservices.shared.registry.RegistryDocument.TrustedIssuer;
import dev.tokenservices.shared.registry.RegistryDocument.UpstreamIdp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
    /** Entra ID's names for "any tenant": never a tenant to trust. */
    private static final Set<String> MULTI_TENANT = Set.of("common", "organizations", "consumers");

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
        List<TrustedIssuerEntry> issuers = new ArrayList<>();
        for (TrustedIssuer t : document.trustedIssuers()) {
            String where = RegistryFile.entry("trusted_issuers", issuers.size(), t.issuer());
            issuers.add(new TrustedIssuerEntry(t.issuer(), t.audiences(), t.clients(), policy(where, t)));
        }
        List<UpstreamIdpEntry> idps = new ArrayList<>();
        Set<String> idpIds = new HashSet<>();
        for (UpstreamIdp idp : document.upstreamIdps()) {
            String where = RegistryFile.entry("upstream_idps", idps.size(), idp.id());
            if (!idpIds.add(idp.id())) {
                throw file.error(where, "id", "is registered twice");
            }
            idps.add(upstreamIdp(where, idps.size(), idp));
        }
        Registry registry = new Registry(clients, resources, issuers, idps);
        checkAliases(registry.allTrustedIssuers(""));
        return registry;
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
                c.idTokenSignedResponseAlg() == null ? KeyAlgorithm.RS256 : c.idTokenSignedResponseAlg(),
                Boolean.TRUE.equals(c.dpopBoundAccessTokens()),
                Boolean.TRUE.equals(c.requirePushedAuthorizationRequests()));
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
                idp.logoutUpstream() == null || idp.logoutUpstream(), policy(where, idp),
                idp.timeoutMs() == null ? null : Duration.ofMillis(idp.timeoutMs()),
                idp.responseMode() == null ? UpstreamIdpEntry.ResponseMode.QUERY : idp.responseMode(),
                clientSecretJwt(where, index, idp));
    }

    /**
     * An alias stands for one issuer only, and is no issuer of its own: a token naming it is judged
     * by that issuer's entries and keys alone.
     */
    private void checkAliases(List<TrustedIssuerEntry> trusted) {
        Map<String, String> aliasOf = new HashMap<>();
        Set<String> issuers = new HashSet<>();
        trusted.forEach(t -> issuers.add(t.issuer()));
        for (TrustedIssuerEntry t : trusted) {
            for (String alias : t.policy().aliases()) {
                String other = aliasOf.putIfAbsent(alias, t.issuer());
                if (issuers.contains(alias) || other != null && !other.equals(t.issuer())) {
                    throw file.error("issuer " + t.issuer(), "issuer_aliases", "'" + alias + "' stands for more than one issuer ("
                            + t.issuer() + " and " + (other == null ? alias : other) + "); an alias belongs to one issuer");
                }
            }
        }
    }

    /** The issuer quirks of an entry ({@link IssuerPolicy}), as they relate to each other. */
    private IssuerPolicy policy(String where, RegistryDocument.Quirks q) {
        IssuerPolicy policy = new IssuerPolicy(q.issuer(), q.issuerAliases(), q.allowedTenants(), q.allowedHd());
        if (policy.templated()) {
            if (policy.allowedTenants().isEmpty()) {
                throw file.error(where, "allowed_tenants", "is required for an issuer templated with " + IssuerPolicy.TENANT
                        + ": list the tenant ids whose users may log in (never any tenant)");
            }
            if (!policy.aliases().isEmpty()) {
                throw file.error(where, "issuer_aliases", "cannot be used with a templated issuer");
            }
            for (String tenant : policy.allowedTenants()) {
                if (MULTI_TENANT.contains(tenant.toLowerCase(Locale.ROOT))) {
                    throw file.error(where, "allowed_tenants", "'" + tenant + "' names no single tenant; list tenant ids");
                }
            }
        } else if (!policy.allowedTenants().isEmpty()) {
            throw file.error(where, "allowed_tenants", "is only for an issuer templated with " + IssuerPolicy.TENANT
                    + " (e.g. https://login.microsoftonline.com/" + IssuerPolicy.TENANT + "/v2.0)");
        }
        if (policy.aliases().contains(q.issuer())) {
            throw file.error(where, "issuer_aliases", "repeats the issuer itself");
        }
        return policy;
    }

    /** Sign in with Apple's client secret: a key and the two names its JWT carries, all three or none. */
    private UpstreamIdpEntry.ClientSecretJwt clientSecretJwt(String where, int index, UpstreamIdp idp) {
        if (idp.clientSecretJwtKey() == null) {
            if (idp.clientSecretJwtKeyId() != null || idp.clientSecretJwtIssuer() != null) {
                throw file.error(where, "client_secret_jwt_key", "is required with client_secret_jwt_key_id and client_secret_jwt_issuer");
            }
            return null;
        }
        if (idp.clientSecret() != null) {
            throw file.error(where, "client_secret", "cannot be used with client_secret_jwt_key (the secret is the signed JWT); remove it");
        }
        if (idp.clientSecretJwtKeyId() == null || idp.clientSecretJwtIssuer() == null) {
            throw file.error(where, idp.clientSecretJwtKeyId() == null ? "client_secret_jwt_key_id" : "client_secret_jwt_issuer",
                    "is required with client_secret_jwt_key (Apple: the key id and the team id)");
        }
        String key = null;
        if (file.reads().contains(SecretField.UPSTREAM_IDP_SECRETS)) {
            key = file.resolve("upstream_idps[" + index + "].client_secret_jwt_key", idp.clientSecretJwtKey());
            try {
                ClientSecretKeys.parse(key);
            } catch (IllegalArgumentException e) {
                throw file.error(where, "client_secret_jwt_key", e.getMessage());
            }
        }
        return new UpstreamIdpEntry.ClientSecretJwt(key, idp.clientSecretJwtKeyId(), idp.clientSecretJwtIssuer());
    }

    private static Set<String> scopes(String value) {
        return value == null || value.isBlank() ? Set.of() : new LinkedHashSet<>(List.of(value.trim().split(" +")));
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
