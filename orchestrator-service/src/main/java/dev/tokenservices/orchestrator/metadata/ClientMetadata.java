package dev.tokenservices.orchestrator.metadata;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.registry.AuthMethod;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Client metadata (RFC 7591 §2) as a client brings it, in a Client ID Metadata Document or a
 * registration request, checked field by field before anything of it is used. A known field of the
 * wrong type, an oversize value or array, a secret in a document, an authentication method the
 * origin does not allow: each is refused with {@code invalid_client_metadata} naming the field; a
 * redirect URI that is not https (or http on the loopback interface, RFC 8252 §7.3), has a fragment
 * or user information, is {@code invalid_redirect_uri}. Unknown fields are ignored (RFC 7591 §2).
 *
 * <p>Such clients log users in with the authorization code flow, always with PKCE; their scope is
 * what they ask for within {@code ORCHESTRATOR_REGISTRATION_MAX_SCOPE} (all of it when they ask for none).
 * Like the registry file's clients they may ask to be held to DPoP ({@code dpop_bound_access_tokens},
 * RFC 9449 §5.2) and to PAR ({@code require_pushed_authorization_requests}, RFC 9126 §6).
 */
public final class ClientMetadata {

    /** Where the metadata comes from, which decides the authentication methods it may name. */
    public enum Origin {
        /** A Client ID Metadata Document: nobody can hand its client a secret, so none or private_key_jwt. */
        DOCUMENT(List.of(AuthMethod.NONE, AuthMethod.PRIVATE_KEY_JWT), AuthMethod.NONE),
        /** A registration at /register: a secret issued here, or none. RFC 7591 §2's default is client_secret_basic. */
        REGISTRATION(List.of(AuthMethod.NONE, AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST), AuthMethod.CLIENT_SECRET_BASIC);

        private final List<AuthMethod> methods;
        private final AuthMethod defaultMethod;

        Origin(List<AuthMethod> methods, AuthMethod defaultMethod) {
            this.methods = methods;
            this.defaultMethod = defaultMethod;
        }
    }

    /**
     * The metadata as checked: enough to build the client and to answer a registration.
     *
     * @param jwksUri where a {@code private_key_jwt} document client's keys are (fetched like the document)
     * @param jwks    its keys given inline instead, as JWK Set JSON (public keys only)
     * @param dpopBoundAccessTokens RFC 9449 §5.2: its token requests must carry a DPoP proof
     * @param requirePushedAuthorizationRequests RFC 9126 §6: /authorize takes its requests only through /par
     */
    public record Checked(String clientName, List<String> redirectUris, Set<String> grantTypes, AuthMethod authMethod,
            Set<String> scope, String jwksUri, String jwks, KeyAlgorithm idTokenSignedResponseAlg, boolean dpopBoundAccessTokens,
            boolean requirePushedAuthorizationRequests) {

        /** The client these fields describe. Its codes always need PKCE. */
        public ClientEntry entry(String clientId, String secretHash, String jwksJson) {
            return new ClientEntry(clientId, clientName, secretHash, authMethod, grantTypes, scope, ClientEntry.DEFAULT_ACCESS_TOKEN_LIFETIME,
                    redirectUris, List.of(), jwksJson, true, idTokenSignedResponseAlg, dpopBoundAccessTokens,
                    requirePushedAuthorizationRequests);
        }

        /** The fields as registered (RFC 7591 §3.2.1), without client_id and secret. */
        public Map<String, Object> registered() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (clientName != null) {
                m.put("client_name", clientName);
            }
            m.put("redirect_uris", redirectUris);
            m.put("grant_types", List.copyOf(grantTypes));
            m.put("response_types", List.of("code"));
            m.put("token_endpoint_auth_method", authMethod.value());
            m.put("scope", String.join(" ", scope));
            m.put("id_token_signed_response_alg", idTokenSignedResponseAlg.name());
            m.put("dpop_bound_access_tokens", dpopBoundAccessTokens);
            m.put("require_pushed_authorization_requests", requirePushedAuthorizationRequests);
            return m;
        }
    }

    static final int MAX_URI = 2000;
    static final int MAX_REDIRECT_URIS = 10;
    private static final int MAX_NAME = 100;
    private static final int MAX_SCOPE = 1000;
    private static final int MAX_SHORT_ARRAY = 4;
    private static final int MAX_KEYS = 10;
    private static final Set<String> GRANTS = Set.of(GrantTypes.AUTHORIZATION_CODE, GrantTypes.REFRESH_TOKEN);
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");
    /** RFC 6749 §3.3 scope-token. */
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    private static final ObjectReader STRICT = Json.MAPPER.reader()
            .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");
    /** Fields a client never sends: the server issues them. */
    private static final List<String> ISSUED = List.of("client_secret", "client_secret_expires_at", "client_id_issued_at",
            "registration_access_token", "registration_client_uri");
    /** Fields that are not used here, type-checked all the same. */
    private static final List<String> OTHER_STRINGS = List.of("client_uri", "logo_uri", "tos_uri", "policy_uri", "software_id",
            "software_version");
    private static final List<String> OTHER_ARRAYS = List.of("contacts", "post_logout_redirect_uris");

    private ClientMetadata() {
    }

    /**
     * @param document    the JSON the client brought
     * @param origin      where it comes from
     * @param documentUrl for a document, the URL it was fetched from: its {@code client_id} must be this
     *                    URL exactly; null for a registration, which must not name a {@code client_id}
     * @param maxScope    the most scope the client may hold
     */
    public static Checked check(JsonNode document, Origin origin, String documentUrl, Set<String> maxScope) {
        if (document == null || !document.isObject()) {
            throw invalid("the client metadata must be a JSON object");
        }
        for (String issued : ISSUED) {
            if (document.has(issued)) {
                throw invalid(origin == Origin.DOCUMENT ? "a client metadata document must not contain " + issued
                        + ": it is public, and no secret can be shared with its client"
                        : issued + " is issued by the server; leave it out of the registration request");
            }
        }
        String clientId = string(document, "client_id", MAX_URI);
        if (origin == Origin.DOCUMENT && !documentUrl.equals(clientId)) {
            throw invalid("the document's client_id must be exactly the URL it was fetched from");
        }
        if (origin == Origin.REGISTRATION && clientId != null) {
            throw invalid("client_id is assigned by the server; leave it out of the registration request");
        }
        List<String> redirectUris = redirectUris(document);
        Set<String> grants = grantTypes(document);
        responseTypes(document);
        AuthMethod method = authMethod(document, origin);
        String jwksUri = string(document, "jwks_uri", MAX_URI);
        String jwks = jwks(document.get("jwks"));
        if (method == AuthMethod.PRIVATE_KEY_JWT) {
            if ((jwksUri == null) == (jwks == null)) {
                throw invalid("private_key_jwt needs its public keys: exactly one of jwks_uri and jwks");
            }
            if (jwksUri != null) {
                checkHttpsUrl(jwksUri, "jwks_uri");
            }
        } else if (jwksUri != null || jwks != null) {
            throw invalid("jwks_uri and jwks are for private_key_jwt only, not " + method);
        }
        String name = string(document, "client_name", MAX_NAME);
        if (name != null && (name.isBlank() || CONTROL.matcher(name).find())) {
            throw invalid("client_name must be readable text without control characters");
        }
        Set<String> scope = scope(string(document, "scope", MAX_SCOPE), maxScope);
        String alg = string(document, "id_token_signed_response_alg", 16);
        KeyAlgorithm idTokenAlg = alg == null ? KeyAlgorithm.RS256 : Arrays.stream(KeyAlgorithm.values())
                .filter(a -> a.name().equals(alg)).findFirst()
                .orElseThrow(() -> invalid("id_token_signed_response_alg must be one of RS256, ES256, EdDSA"));
        boolean dpopBound = flag(document, "dpop_bound_access_tokens");
        boolean pushedOnly = flag(document, "require_pushed_authorization_requests");
        OTHER_STRINGS.forEach(field -> string(document, field, MAX_URI));
        OTHER_ARRAYS.forEach(field -> strings(document, field, MAX_REDIRECT_URIS, MAX_URI));
        return new Checked(name, redirectUris, grants, method, scope, jwksUri, jwks, idTokenAlg, dpopBound, pushedOnly);
    }

    /**
     * A URL fetched on a client's behalf ({@code client_id}, {@code jwks_uri}): https, a host, a path,
     * no user information, no fragment, no dot segments (draft-ietf-oauth-client-id-metadata-document §3).
     */
    public static URI checkHttpsUrl(String value, String field) {
        if (value.length() > MAX_URI) {
            throw invalid(field + " is longer than " + MAX_URI + " characters");
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw invalid(field + " is not a valid URL");
        }
        if (!"https".equals(uri.getScheme())) {
            throw invalid(field + " must be an https URL");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw invalid(field + " must name a host, without user information or a fragment");
        }
        String path = uri.getRawPath();
        if (path == null || path.isEmpty()) {
            throw invalid(field + " must have a path");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..") || segment.equalsIgnoreCase("%2e") || segment.equalsIgnoreCase("%2e%2e")
                    || segment.equalsIgnoreCase(".%2e") || segment.equalsIgnoreCase("%2e.")) {
                throw invalid(field + " must not have dot segments (. or ..) in its path");
            }
        }
        return uri;
    }

    private static List<String> redirectUris(JsonNode document) {
        List<String> uris = strings(document, "redirect_uris", MAX_REDIRECT_URIS, MAX_URI);
        if (uris == null || uris.isEmpty()) {
            throw new ClientMetadataException(OAuthErrors.INVALID_REDIRECT_URI, "redirect_uris is required: at least one redirect URI");
        }
        for (String value : uris) {
            String problem = redirectUriProblem(value);
            if (problem != null) {
                throw new ClientMetadataException(OAuthErrors.INVALID_REDIRECT_URI, "redirect URI '" + FormRequest.printable(value) + "' " + problem);
            }
        }
        return List.copyOf(new LinkedHashSet<>(uris));
    }

    /** RFC 6749 §3.1.2, RFC 8252 §7.3, RFC 9700 §2.1: compared exactly later, so accepted only when unambiguous. */
    private static String redirectUriProblem(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            return "is not a valid URI";
        }
        if (uri.getRawFragment() != null || value.contains("#")) {
            return "must not have a fragment";
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            return "must name a host, without user information";
        }
        String scheme = uri.getScheme();
        if ("https".equals(scheme)) {
            return null;
        }
        if ("http".equals(scheme) && LOOPBACK_HOSTS.contains(uri.getHost().toLowerCase(Locale.ROOT))) {
            return null;
        }
        return "must be https (plain http only on the loopback interface, for native apps)";
    }

    private static Set<String> grantTypes(JsonNode document) {
        List<String> grants = strings(document, "grant_types", MAX_SHORT_ARRAY, 64);
        if (grants == null) {
            return Set.of(GrantTypes.AUTHORIZATION_CODE);
        }
        for (String grant : grants) {
            if (!GRANTS.contains(grant)) {
                throw invalid("grant_types may hold authorization_code and refresh_token only, not '" + FormRequest.printable(grant) + "'");
            }
        }
        if (!grants.contains(GrantTypes.AUTHORIZATION_CODE)) {
            throw invalid("grant_types must include authorization_code: clients log users in here");
        }
        return new LinkedHashSet<>(grants);
    }

    private static void responseTypes(JsonNode document) {
        List<String> types = strings(document, "response_types", MAX_SHORT_ARRAY, 64);
        if (types != null && !types.stream().allMatch("code"::equals)) {
            throw invalid("response_types may hold code only");
        }
    }

    private static AuthMethod authMethod(JsonNode document, Origin origin) {
        String value = string(document, "token_endpoint_auth_method", 64);
        if (value == null) {
            return origin.defaultMethod;
        }
        AuthMethod method = AuthMethod.of(value).filter(origin.methods::contains).orElseThrow(() -> invalid(
                "token_endpoint_auth_method must be one of " + String.join(", ", origin.methods.stream().map(AuthMethod::value).toList())
                        + (origin == Origin.DOCUMENT ? " for a client metadata document" : "")));
        return method;
    }

    /** Public keys only, at most ten, each with its {@code kty}; kept as the JWK Set's JSON. */
    static String jwks(JsonNode jwks) {
        if (jwks == null || jwks.isNull()) {
            return null;
        }
        JsonNode keys = jwks.isObject() ? jwks.get("keys") : null;
        if (keys == null || !keys.isArray() || keys.isEmpty() || keys.size() > MAX_KEYS) {
            throw invalid("jwks must be a JWK Set: an object whose keys array holds 1 to " + MAX_KEYS + " keys");
        }
        for (JsonNode key : keys) {
            if (!key.isObject() || !key.path("kty").isTextual()) {
                throw invalid("every key of the JWK Set needs a kty");
            }
            if (key.has("d") || key.has("p") || key.has("q") || key.has("k")) {
                throw invalid("the JWK Set must hold public keys only (found private or symmetric key material)");
            }
        }
        return Json.write(jwks);
    }

    private static Set<String> scope(String requested, Set<String> maxScope) {
        if (requested == null) {
            return new LinkedHashSet<>(maxScope);
        }
        Set<String> scope = new LinkedHashSet<>();
        for (String token : requested.trim().split(" +")) {
            if (token.isEmpty()) {
                continue;
            }
            if (!SCOPE_TOKEN.matcher(token).matches()) {
                throw invalid("scope must be space-separated scope tokens (RFC 6749 §3.3)");
            }
            if (maxScope.contains(token)) {
                scope.add(token);
            }
        }
        return scope;
    }

    /** A boolean field (RFC 9449 §5.2, RFC 9126 §6): false when absent; a string "true" is not a boolean. */
    private static boolean flag(JsonNode document, String field) {
        JsonNode value = document.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw invalid(field + " must be true or false");
        }
        return value.booleanValue();
    }

    private static String string(JsonNode document, String field, int maxLength) {
        JsonNode value = document.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(field + " must be a string");
        }
        if (value.textValue().length() > maxLength) {
            throw invalid(field + " is longer than " + maxLength + " characters");
        }
        return value.textValue();
    }

    private static List<String> strings(JsonNode document, String field, int maxItems, int maxLength) {
        JsonNode value = document.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray()) {
            throw invalid(field + " must be an array of strings");
        }
        if (value.size() > maxItems) {
            throw invalid(field + " holds more than " + maxItems + " values");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw invalid(field + " must be an array of strings");
            }
            if (item.textValue().length() > maxLength) {
                throw invalid(field + " holds a value longer than " + maxLength + " characters");
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** {@code ORCHESTRATOR_REGISTRATION_MAX_SCOPE} as a set, in its order (the order of what a client is granted). */
    public static Set<String> scopes(String spaceSeparated) {
        Set<String> scopes = new LinkedHashSet<>(List.of(spaceSeparated.trim().split(" +")));
        scopes.remove("");
        return Collections.unmodifiableSet(scopes);
    }

    /** JSON text as a tree; a key given twice is refused rather than read as its last value. */
    public static JsonNode parse(String body, String what) {
        try {
            return STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            throw invalid(what + " is not valid JSON (or repeats a member)");
        }
    }

    static ClientMetadataException invalid(String description) {
        return new ClientMetadataException(OAuthErrors.INVALID_CLIENT_METADATA, description);
    }
}
