package dev.tokenservices.shared.registry;

import dev.tokenservices.shared.jose.KeyAlgorithm;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import java.util.Map;

/**
 * The registry file as written, before the rules that relate fields to each other: Jackson binds the
 * YAML into these records (field names are the records' components in snake_case, as RFC 7591 names
 * them) and Bean Validation checks each field. {@link RegistryRules} then turns them into the entries
 * the services use. A field left out is null here; defaults are the rules' business.
 */
public record RegistryDocument(
        List<@Valid @NotNull(message = MAPPING) Client> clients,
        List<@Valid @NotNull(message = MAPPING) Resource> resources,
        List<@Valid @NotNull(message = MAPPING) TrustedIssuer> trustedIssuers,
        List<@Valid @NotNull(message = MAPPING) UpstreamIdp> upstreamIdps) {

    /** RFC 6749 §3.3 scope-token (also what a client_id may hold). */
    static final String SCOPE_TOKEN = "[\\x21\\x23-\\x5B\\x5D-\\x7E]+";
    /** A space-separated list of scope-tokens, possibly empty. */
    static final String SCOPE_LIST = " *(" + SCOPE_TOKEN + "( +" + SCOPE_TOKEN + ")*)? *";

    static final String REQUIRED = "is required";
    static final String MAPPING = "must be a mapping";
    static final String NON_EMPTY_STRINGS = "must hold non-empty strings";
    static final String SCOPES = "'${validatedValue}' is not a space-separated list of valid scopes (RFC 6749 §3.3)";
    static final String SCOPE = "'${validatedValue}' is not a valid scope (RFC 6749 §3.3)";

    public static final int MAX_ACCESS_TOKEN_LIFETIME = 86_400;

    /** An entry of a section; messages name it by its id. */
    interface Entry {
        String id();
    }

    /** One {@code clients} entry (RFC 7591 client metadata). */
    public record Client(
            @NotBlank(message = REQUIRED)
            @Pattern(regexp = "[\\x21\\x23-\\x5B\\x5D-\\x7E]{0,255}",
                    message = "must be 1-255 printable characters without spaces, quotes or backslashes")
            String clientId,
            /** Kept as written (${NAME} unresolved): only a service that reads it resolves it. */
            String clientSecret,
            String clientName,
            AuthMethod tokenEndpointAuthMethod,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Pattern(regexp = GrantTypes.PATTERN,
                    message = "'${validatedValue}' is not a supported grant type; supported: " + GrantTypes.SUPPORTED) String> grantTypes,
            @Pattern(regexp = SCOPE_LIST, message = SCOPES) String scope,
            @Min(value = 1, message = LIFETIME) @Max(value = MAX_ACCESS_TOKEN_LIFETIME, message = LIFETIME) Long accessTokenLifetime,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Uri String> redirectUris,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Uri String> postLogoutRedirectUris,
            @Valid Jwks jwks,
            /** Whether /authorize demands PKCE of this client (default true; a public client always). */
            Boolean requirePkce,
            /** OIDC Dynamic Registration §2: RS256 (the default), ES256 or EdDSA; never none or HS*. */
            KeyAlgorithm idTokenSignedResponseAlg,
            /** RFC 9449 §5.2: token requests without a DPoP proof are refused (default false). */
            Boolean dpopBoundAccessTokens,
            /** RFC 9126 §6: the orchestrator's /authorize takes this client's requests only through /par (default false). */
            Boolean requirePushedAuthorizationRequests) implements Entry {

        static final String LIFETIME = "must be a whole number of seconds from 1 to " + MAX_ACCESS_TOKEN_LIFETIME;

        @Override
        public String id() {
            return clientId;
        }
    }

    /** A client's public keys (RFC 7517 §5 JWK Set), for {@code private_key_jwt}. */
    public record Jwks(@NotEmpty(message = "must be a JWK Set: a mapping with a non-empty 'keys' list") List<Map<String, Object>> keys) {
    }

    /** One {@code resources} entry: an API tokens are for (RFC 8707). */
    public record Resource(
            @NotBlank(message = REQUIRED) @Uri(message = "'{value}' must be an absolute URI without a fragment (RFC 8707 §2)") String resource,
            @NotEmpty(message = "must list at least one scope")
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Pattern(regexp = SCOPE_TOKEN, message = SCOPE) String> scopes,
            @Valid Authority authority) implements Entry {

        @Override
        public String id() {
            return resource;
        }
    }

    /** A resource's scope-authority webhook. */
    public record Authority(
            @NotBlank(message = REQUIRED) @Uri(web = true) String url,
            @Min(value = 1, message = TIMEOUT) @Max(value = 60_000, message = TIMEOUT) Long timeoutMs,
            ResourceEntry.OnFailure onFailure) {

        static final String TIMEOUT = "must be a whole number of milliseconds from 1 to 60000";
    }

    /** One {@code trusted_issuers} entry. */
    public record TrustedIssuer(
            @NotBlank(message = REQUIRED) @Uri(issuer = true) String issuer,
            @NotEmpty(message = "must list at least one audience (the client_id the tokens are issued to)")
            List<@NotBlank(message = NON_EMPTY_STRINGS) String> audiences,
            List<@NotBlank(message = NON_EMPTY_STRINGS) String> clients,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Pattern(regexp = ALIAS, message = ALIAS_MESSAGE) String> issuerAliases,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Pattern(regexp = TENANT, message = TENANT_MESSAGE) String> allowedTenants,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Pattern(regexp = DOMAIN, message = DOMAIN_MESSAGE) String> allowedHd)
            implements Entry, Quirks {

        @Override
        public String id() {
            return issuer;
        }
    }

    /** What an entry's id_tokens may or must say besides the plain rules ({@link IssuerPolicy}). */
    interface Quirks extends Entry {
        String issuer();

        List<String> issuerAliases();

        List<String> allowedTenants();

        List<String> allowedHd();
    }

    static final String ALIAS = "[\\x21-\\x7E]{1,255}";
    static final String ALIAS_MESSAGE = "'${validatedValue}' must be 1-255 printable characters without spaces";
    /** An Entra ID tenant id (a GUID) or any such plain token; never a wildcard. */
    static final String TENANT = "[A-Za-z0-9-]{1,64}";
    static final String TENANT_MESSAGE = "'${validatedValue}' is not a tenant id (letters, digits and '-')";
    static final String DOMAIN = "[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+";
    static final String DOMAIN_MESSAGE = "'${validatedValue}' is not a domain name (e.g. example.com)";

    /** One {@code upstream_idps} entry: where the orchestrator sends users to log in. */
    public record UpstreamIdp(
            @NotBlank(message = REQUIRED) String id,
            @NotBlank(message = REQUIRED) @Uri(issuer = true) String issuer,
            @NotBlank(message = REQUIRED) String clientId,
            /** Kept as written (${NAME} unresolved): only the orchestrator resolves it. */
            String clientSecret,
            @Pattern(regexp = SCOPE_LIST, message = SCOPES) String scope,
            Boolean logoutUpstream,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Pattern(regexp = ALIAS, message = ALIAS_MESSAGE) String> issuerAliases,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Pattern(regexp = TENANT, message = TENANT_MESSAGE) String> allowedTenants,
            List<@NotBlank(message = NON_EMPTY_STRINGS) @Pattern(regexp = DOMAIN, message = DOMAIN_MESSAGE) String> allowedHd,
            @Min(value = 100, message = UPSTREAM_TIMEOUT) @Max(value = 60_000, message = UPSTREAM_TIMEOUT) Long timeoutMs,
            UpstreamIdpEntry.ResponseMode responseMode,
            /** Kept as written (${NAME} unresolved): only the orchestrator resolves it. */
            String clientSecretJwtKey,
            @Pattern(regexp = ALIAS, message = ALIAS_MESSAGE) String clientSecretJwtKeyId,
            @Pattern(regexp = ALIAS, message = ALIAS_MESSAGE) String clientSecretJwtIssuer) implements Quirks {

        static final String UPSTREAM_TIMEOUT = "must be a whole number of milliseconds from 100 to 60000";
    }

    /** The entries of {@code section} (as the file names it). */
    List<? extends Entry> section(String section) {
        return switch (section) {
            case "clients" -> clients;
            case "resources" -> resources;
            case "trusted_issuers" -> trustedIssuers;
            default -> upstreamIdps;
        };
    }

    /** The sections, never null. */
    public RegistryDocument {
        clients = clients == null ? List.of() : clients;
        resources = resources == null ? List.of() : resources;
        trustedIssuers = trustedIssuers == null ? List.of() : trustedIssuers;
        upstreamIdps = upstreamIdps == null ? List.of() : upstreamIdps;
    }
}
