package dev.tokenservices.shared.registry;

import dev.tokenservices.shared.crypto.Hashes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokenservices.shared.config.ExampleSecrets;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the registry file. {@code ${NAME}} in a value is replaced by the environment
 * variable NAME after parsing, so comments are never interpreted. Every mistake stops start-up with
 * a message naming the file, the entry and the field.
 *
 * <p>Each service names the secret-bearing fields it reads ({@link SecretField}): only those are
 * substituted, checked and held; the others stay unresolved and absent from the entries (a client's
 * {@code secretHash}, an upstream IdP's {@code clientSecret} is then null), so a service never needs,
 * nor holds, another service's secrets.
 */
public final class RegistryFile {

    /** Client secrets shorter than this are refused: they must not be guessable. */
    public static final int MIN_SECRET_LENGTH = 32;
    public static final int MAX_ACCESS_TOKEN_LIFETIME = 86_400;

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    /** RFC 6749 §3.3 scope-token. */
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    /** An entry whose client_secret is a {@link SecretField}. */
    private static final Pattern SECRET_ENTRY = Pattern.compile("(clients|upstream_idps)\\[\\d+]");
    private static final Set<String> CLIENT_FIELDS = Set.of("client_id", "client_secret", "client_name",
            "token_endpoint_auth_method", "grant_types", "scope", "access_token_lifetime", "redirect_uris",
            "post_logout_redirect_uris", "jwks");

    private final String file;
    private final Set<SecretField> reads;
    private final ExampleSecrets examples;
    private final Function<String, String> environment;
    private final Consumer<String> warnings;

    private RegistryFile(String file, Set<SecretField> reads, ExampleSecrets examples, Function<String, String> environment,
            Consumer<String> warnings) {
        this.file = file;
        this.reads = reads.isEmpty() ? EnumSet.noneOf(SecretField.class) : EnumSet.copyOf(reads);
        this.examples = examples;
        this.environment = environment;
        this.warnings = warnings;
    }

    /**
     * Reads the file at {@code path} for a service that reads the secret fields {@code reads},
     * resolving variables from the process environment.
     *
     * @param examples whether secrets that are example values stop start-up (outside dev and test)
     */
    public static Registry load(Path path, Set<SecretField> reads, ExampleSecrets examples, Consumer<String> warnings) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RegistryException("registry file " + path + " cannot be read: " + e.getMessage(), e);
        }
        return parse(path.toString(), text, reads, examples, System::getenv, warnings);
    }

    public static Registry parse(String file, String yaml, Set<SecretField> reads, ExampleSecrets examples,
            Function<String, String> environment, Consumer<String> warnings) {
        return new RegistryFile(file, reads, examples, environment, warnings).read(yaml);
    }

    /** Every field read, example secrets allowed: the whole file checked, as by tests and tools. */
    public static Registry parse(String file, String yaml, Function<String, String> environment, Consumer<String> warnings) {
        return parse(file, yaml, EnumSet.allOf(SecretField.class), ExampleSecrets.ALLOWED, environment, warnings);
    }

    private Registry read(String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RegistryException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new RegistryException(file + ": cannot be read: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = new ObjectMapper().createObjectNode();
        }
        if (!root.isObject()) {
            throw new RegistryException(file + ": the top level must be a mapping with clients, resources, trusted_issuers, upstream_idps");
        }
        substitute(root, "");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!Set.of("clients", "resources", "trusted_issuers", "upstream_idps").contains(name)) {
                warnings.accept(file + ": unknown top-level key '" + name + "' is ignored");
            }
        }
        List<ResourceEntry> resources = entries(root, "resources", this::resource);
        Set<String> resourceIds = new HashSet<>();
        Map<String, String> scopeOwner = new HashMap<>();
        for (int i = 0; i < resources.size(); i++) {
            ResourceEntry r = resources.get(i);
            String where = "resources[" + i + "] (" + r.resource() + ")";
            if (!resourceIds.add(r.resource())) {
                throw error(where, "resource", "is registered twice");
            }
            for (String scope : r.scopes()) {
                String owner = scopeOwner.putIfAbsent(scope, r.resource());
                if (owner != null) {
                    throw error(where, "scopes", "scope '" + scope + "' already belongs to " + owner
                            + "; a scope names exactly one resource");
                }
            }
        }
        List<ClientEntry> clients = entries(root, "clients", this::client);
        Set<String> clientIds = new HashSet<>();
        for (int i = 0; i < clients.size(); i++) {
            if (!clientIds.add(clients.get(i).clientId())) {
                throw error("clients[" + i + "] (" + clients.get(i).clientId() + ")", "client_id", "is registered twice");
            }
        }
        List<TrustedIssuerEntry> issuers = entries(root, "trusted_issuers", this::trustedIssuer);
        List<UpstreamIdpEntry> idps = entries(root, "upstream_idps", this::upstreamIdp);
        Set<String> idpIds = new HashSet<>();
        for (int i = 0; i < idps.size(); i++) {
            if (!idpIds.add(idps.get(i).id())) {
                throw error("upstream_idps[" + i + "] (" + idps.get(i).id() + ")", "id", "is registered twice");
            }
        }
        return new Registry(clients, resources, issuers, idps);
    }

    private interface EntryReader<T> {
        T read(String where, ObjectNode node);
    }

    private <T> List<T> entries(JsonNode root, String section, EntryReader<T> reader) {
        JsonNode list = root.get(section);
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new RegistryException(file + ": '" + section + "' must be a list");
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode node = list.get(i);
            String where = section + "[" + i + "]";
            if (!node.isObject()) {
                throw new RegistryException(file + ": " + where + " must be a mapping");
            }
            out.add(reader.read(where, (ObjectNode) node));
        }
        return out;
    }

    private ClientEntry client(String position, ObjectNode node) {
        String clientId = requiredText(position, node, "client_id");
        String where = position + " (" + clientId + ")";
        if (clientId.length() > 255 || !SCOPE_TOKEN.matcher(clientId).matches()) {
            throw error(where, "client_id", "must be 1-255 printable characters without spaces, quotes or backslashes");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!CLIENT_FIELDS.contains(name)) {
                warnings.accept(file + ": " + where + ": field '" + name + "' is not used and is ignored");
            }
        }
        String secret = optionalText(where, node, "client_secret");
        String jwks = null;
        if (node.hasNonNull("jwks")) {
            JsonNode keys = node.get("jwks");
            if (!keys.isObject() || !keys.path("keys").isArray() || keys.path("keys").isEmpty()) {
                throw error(where, "jwks", "must be a JWK Set: a mapping with a non-empty 'keys' list");
            }
            for (JsonNode key : keys.path("keys")) {
                if (key.has("d") || key.has("p") || key.has("k")) {
                    throw error(where, "jwks", "must hold public keys only (found private or symmetric key material)");
                }
                if (!key.hasNonNull("kty")) {
                    throw error(where, "jwks", "every key needs 'kty'");
                }
            }
            jwks = keys.toString();
        }
        String methodName = optionalText(where, node, "token_endpoint_auth_method");
        AuthMethod method;
        if (methodName == null) {
            method = secret != null ? AuthMethod.CLIENT_SECRET_BASIC : jwks != null ? AuthMethod.PRIVATE_KEY_JWT : null;
            if (method == null) {
                throw error(where, "token_endpoint_auth_method",
                        "is required when the client has neither client_secret nor jwks (use 'none' for a public client)");
            }
        } else {
            method = AuthMethod.of(methodName).orElseThrow(() -> error(where, "token_endpoint_auth_method",
                    "'" + methodName + "' is not one of client_secret_basic, client_secret_post, private_key_jwt, none"));
        }
        String secretHash = null;
        if (method.usesSecret()) {
            if (secret == null) {
                throw error(where, "client_secret", "is required for token_endpoint_auth_method " + method);
            }
            // a service that does not authenticate this client neither resolves nor holds its secret
            if (readsSecret("clients", node)) {
                checkSecret(where, "client_secret", secret);
                if (secret.length() < MIN_SECRET_LENGTH) {
                    throw error(where, "client_secret", "is shorter than " + MIN_SECRET_LENGTH
                            + " characters; use a high-entropy secret (e.g. openssl rand -base64 32)");
                }
                secretHash = Hashes.sha256Hex(secret);
            }
        } else if (secret != null) {
            throw error(where, "client_secret", "is not used with token_endpoint_auth_method " + method + "; remove it");
        }
        if (method == AuthMethod.PRIVATE_KEY_JWT && jwks == null) {
            throw error(where, "jwks", "is required for token_endpoint_auth_method private_key_jwt");
        }
        Set<String> grants = new LinkedHashSet<>(stringList(where, node, "grant_types", List.of(GrantTypes.AUTHORIZATION_CODE)));
        for (String grant : grants) {
            if (!GrantTypes.KNOWN.contains(grant)) {
                throw error(where, "grant_types", "'" + grant + "' is not a supported grant type; supported: "
                        + String.join(", ", new java.util.TreeSet<>(GrantTypes.KNOWN)));
            }
        }
        if (method == AuthMethod.NONE && grants.contains(GrantTypes.CLIENT_CREDENTIALS)) {
            throw error(where, "grant_types", "client_credentials needs an authenticated client; a public client (none) cannot use it");
        }
        Set<String> scope = scopes(where, "scope", optionalText(where, node, "scope"));
        int lifetime = ClientEntry.DEFAULT_ACCESS_TOKEN_LIFETIME;
        if (node.hasNonNull("access_token_lifetime")) {
            JsonNode value = node.get("access_token_lifetime");
            if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 1 || value.asInt() > MAX_ACCESS_TOKEN_LIFETIME) {
                throw error(where, "access_token_lifetime", "must be a whole number of seconds from 1 to " + MAX_ACCESS_TOKEN_LIFETIME);
            }
            lifetime = value.asInt();
        }
        List<String> redirectUris = uris(where, node, "redirect_uris");
        List<String> logoutUris = uris(where, node, "post_logout_redirect_uris");
        return new ClientEntry(clientId, optionalText(where, node, "client_name"), secretHash, method, grants, scope,
                lifetime, redirectUris, logoutUris, jwks);
    }

    private ResourceEntry resource(String position, ObjectNode node) {
        String resource = requiredText(position, node, "resource");
        String where = position + " (" + resource + ")";
        URI uri = absoluteUri(where, "resource", resource);
        if (uri.getFragment() != null) {
            throw error(where, "resource", "must not contain a fragment (RFC 8707 §2)");
        }
        List<String> scopes = stringList(where, node, "scopes", null);
        if (scopes.isEmpty()) {
            throw error(where, "scopes", "must list at least one scope");
        }
        scopes(where, "scopes", String.join(" ", scopes));
        ResourceEntry.Authority authority = null;
        JsonNode a = node.get("authority");
        if (a != null && !a.isNull()) {
            if (!a.isObject()) {
                throw error(where, "authority", "must be a mapping with url, timeout_ms, on_failure");
            }
            ObjectNode authorityNode = (ObjectNode) a;
            String url = requiredText(where, authorityNode, "authority.url", "url");
            URI authorityUri = absoluteUri(where, "authority.url", url);
            if (!"http".equals(authorityUri.getScheme()) && !"https".equals(authorityUri.getScheme())) {
                throw error(where, "authority.url", "must be an http or https URL");
            }
            int timeout = 500;
            if (authorityNode.hasNonNull("timeout_ms")) {
                JsonNode t = authorityNode.get("timeout_ms");
                if (!t.isIntegralNumber() || t.asInt() < 1 || t.asInt() > 60_000) {
                    throw error(where, "authority.timeout_ms", "must be a whole number of milliseconds from 1 to 60000");
                }
                timeout = t.asInt();
            }
            String onFailure = optionalText(where, authorityNode, "on_failure");
            ResourceEntry.OnFailure failure;
            if (onFailure == null || onFailure.equals("drop")) {
                failure = ResourceEntry.OnFailure.DROP;
            } else if (onFailure.equals("deny")) {
                failure = ResourceEntry.OnFailure.DENY;
            } else {
                throw error(where, "authority.on_failure", "'" + onFailure + "' is not one of drop, deny");
            }
            authority = new ResourceEntry.Authority(url, timeout, failure);
        }
        return new ResourceEntry(resource, scopes, authority);
    }

    private TrustedIssuerEntry trustedIssuer(String position, ObjectNode node) {
        String issuer = requiredText(position, node, "issuer");
        String where = position + " (" + issuer + ")";
        httpsOrLoopback(where, "issuer", issuer);
        List<String> audiences = stringList(where, node, "audiences", null);
        if (audiences.isEmpty()) {
            throw error(where, "audiences", "must list at least one audience (the client_id the tokens are issued to)");
        }
        List<String> clients = node.hasNonNull("clients") ? stringList(where, node, "clients", null) : null;
        return new TrustedIssuerEntry(issuer, audiences, clients);
    }

    private UpstreamIdpEntry upstreamIdp(String position, ObjectNode node) {
        String id = requiredText(position, node, "id");
        String where = position + " (" + id + ")";
        String issuer = requiredText(where, node, "issuer");
        httpsOrLoopback(where, "issuer", issuer);
        String clientId = requiredText(where, node, "client_id");
        String secret = null;
        if (readsSecret("upstream_idps", node)) {
            secret = optionalText(where, node, "client_secret");
            checkSecret(where, "client_secret", secret);
        }
        String scope = optionalText(where, node, "scope");
        Set<String> scopes = scopes(where, "scope", scope == null ? "openid email profile" : scope);
        if (!scopes.contains("openid")) {
            throw error(where, "scope", "must include 'openid'");
        }
        boolean logoutUpstream = true;
        if (node.hasNonNull("logout_upstream")) {
            JsonNode value = node.get("logout_upstream");
            if (!value.isBoolean()) {
                throw error(where, "logout_upstream", "must be true or false");
            }
            logoutUpstream = value.asBoolean();
        }
        return new UpstreamIdpEntry(id, issuer, clientId, secret, scope == null ? "openid email profile" : scope, logoutUpstream);
    }

    // ---- values

    /** Example secrets (change-me…, …example…) stop start-up outside dev and test, naming entry and field. */
    private void checkSecret(String where, String field, String secret) {
        if (secret != null && examples.refuses(secret)) {
            throw error(where, field, ExampleSecrets.PROBLEM);
        }
    }

    /** Whether this service reads the {@code client_secret} of an entry of {@code section} (SecretField). */
    private boolean readsSecret(String section, JsonNode entry) {
        if (section.equals("upstream_idps")) {
            return reads.contains(SecretField.UPSTREAM_IDP_SECRETS);
        }
        if (reads.contains(SecretField.CLIENT_SECRETS)) {
            return true;
        }
        // grant_types as written; absent means authorization_code, as for the entry itself
        JsonNode grants = entry.get("grant_types");
        boolean logsUsersIn = grants == null || grants.isNull();
        for (JsonNode grant : grants == null ? List.<JsonNode>of() : grants) {
            logsUsersIn |= GrantTypes.AUTHORIZATION_CODE.equals(grant.asText());
        }
        return logsUsersIn && reads.contains(SecretField.LOGIN_CLIENT_SECRETS);
    }

    /** Whether {@code field} of the entry at {@code entryPath} (e.g. {@code clients[2]}) is a secret this service does not read. */
    private boolean unreadSecret(String entryPath, ObjectNode entry, String field) {
        Matcher m = SECRET_ENTRY.matcher(entryPath);
        return field.equals("client_secret") && m.matches() && !readsSecret(m.group(1), entry);
    }

    /**
     * Replaces ${NAME} in every string value, except in the secret fields this service does not
     * read; the path names the field for error messages.
     */
    private void substitute(JsonNode node, String path) {
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode child = object.get(name);
                String childPath = path.isEmpty() ? name : path + "." + name;
                if (unreadSecret(path, object, name)) {
                    continue;
                }
                if (child.isTextual()) {
                    object.set(name, new TextNode(resolve(childPath, child.asText())));
                } else {
                    substitute(child, childPath);
                }
            }
        } else if (node.isArray()) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                JsonNode child = array.get(i);
                if (child.isTextual()) {
                    array.set(i, new TextNode(resolve(path + "[" + i + "]", child.asText())));
                } else {
                    substitute(child, path + "[" + i + "]");
                }
            }
        }
    }

    private String resolve(String path, String value) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = environment.apply(name);
            if (replacement == null) {
                throw new RegistryException(file + ": " + path + " uses ${" + name
                        + "} but the environment variable " + name + " is not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String requiredText(String where, ObjectNode node, String field) {
        return requiredText(where, node, field, field);
    }

    private String requiredText(String where, ObjectNode node, String label, String field) {
        String value = optionalText(where, node, label, field);
        if (value == null || value.isBlank()) {
            throw error(where, label, "is required");
        }
        return value;
    }

    private String optionalText(String where, ObjectNode node, String field) {
        return optionalText(where, node, field, field);
    }

    private String optionalText(String where, ObjectNode node, String label, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isValueNode() || value.isBinary()) {
            throw error(where, label, "must be a single value, not a list or mapping");
        }
        return value.asText();
    }

    private List<String> stringList(String where, ObjectNode node, String field, List<String> fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback == null ? List.of() : fallback;
        }
        if (!value.isArray()) {
            throw error(where, field, "must be a list");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isValueNode() || item.isNull() || item.asText().isBlank()) {
                throw error(where, field, "must hold non-empty strings");
            }
            out.add(item.asText());
        }
        return out;
    }

    private Set<String> scopes(String where, String field, String value) {
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (String scope : value.trim().split(" +")) {
            if (!SCOPE_TOKEN.matcher(scope).matches()) {
                throw error(where, field, "'" + scope + "' is not a valid scope (RFC 6749 §3.3)");
            }
            out.add(scope);
        }
        return out;
    }

    private List<String> uris(String where, ObjectNode node, String field) {
        List<String> uris = stringList(where, node, field, List.of());
        for (String uri : uris) {
            URI parsed = absoluteUri(where, field, uri);
            if (parsed.getRawFragment() != null) {
                throw error(where, field, "'" + uri + "' must not contain a fragment");
            }
        }
        return uris;
    }

    private URI absoluteUri(String where, String field, String value) {
        try {
            URI uri = new URI(value);
            if (!uri.isAbsolute() || uri.getScheme() == null) {
                throw error(where, field, "'" + value + "' must be an absolute URI");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw error(where, field, "'" + value + "' is not a valid URI");
        }
    }

    private void httpsOrLoopback(String where, String field, String value) {
        URI uri = absoluteUri(where, field, value);
        boolean loopback = "http".equals(uri.getScheme())
                && ("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()) || "[::1]".equals(uri.getHost()));
        if (!"https".equals(uri.getScheme()) && !loopback) {
            throw error(where, field, "'" + value + "' must be an https URL (plain http only on localhost)");
        }
    }

    private RegistryException error(String where, String field, String problem) {
        return new RegistryException(file + ": " + where + ": field '" + field + "' " + problem);
    }
}
