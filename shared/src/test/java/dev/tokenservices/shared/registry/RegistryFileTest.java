package dev.tokenservices.shared.registry;

import dev.tokenservices.shared.crypto.Hashes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.shared.config.ExampleSecrets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistryFileTest {

    private static final String SECRET = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t";
    private final List<String> warnings = new ArrayList<>();

    private Registry parse(String yaml, Map<String, String> env) {
        return RegistryFile.parse("reg.yaml", yaml, env::get, warnings::add);
    }

    private RegistryException error(String yaml) {
        return assertThrows(RegistryException.class, () -> parse(yaml, Map.of("SECRET", SECRET)));
    }

    @Test
    void parsesTheContractExampleWithSecretsFromTheEnvironment() {
        Registry registry = parse("""
                clients:
                  - client_id: reports-worker
                    client_secret: ${SECRET}     # kept only as a hash
                    token_endpoint_auth_method: client_secret_basic
                    grant_types: [client_credentials]
                    scope: "invoices.read"
                    access_token_lifetime: 600
                  - client_id: tv-app
                    token_endpoint_auth_method: none
                    client_name: "Living-room TV"
                    grant_types: ["urn:ietf:params:oauth:grant-type:device_code", refresh_token]
                    scope: "media.play profile.read"
                resources:
                  - resource: https://api.example/invoices
                    scopes: [invoices.read, invoices.write]
                    authority:
                      url: http://billing.internal/scope-decision
                      timeout_ms: 300
                      on_failure: deny
                trusted_issuers:
                  - issuer: https://accounts.google.com
                    audiences: ["1234.apps.googleusercontent.com"]
                upstream_idps:
                  - id: google
                    issuer: https://accounts.google.com
                    client_id: 1234.apps.googleusercontent.com
                    client_secret: ${SECRET}
                    scope: "openid email profile"
                """, Map.of("SECRET", SECRET));
        ClientEntry worker = registry.client("reports-worker").orElseThrow();
        assertEquals(Hashes.sha256Hex(SECRET), worker.secretHash());
        assertFalse(worker.toString().contains(SECRET), "the secret itself is never kept");
        assertEquals(AuthMethod.CLIENT_SECRET_BASIC, worker.authMethod());
        assertEquals(600, worker.accessTokenLifetime());
        ClientEntry tv = registry.client("tv-app").orElseThrow();
        assertEquals(AuthMethod.NONE, tv.authMethod());
        assertNull(tv.secretHash());
        assertEquals(Set.of("media.play", "profile.read"), tv.scope());
        assertEquals(ClientEntry.DEFAULT_ACCESS_TOKEN_LIFETIME, tv.accessTokenLifetime());
        ResourceEntry invoices = registry.resources().get(0);
        assertEquals(ResourceEntry.OnFailure.DENY, invoices.authority().onFailure());
        assertEquals(300, invoices.authority().timeoutMs());
        assertEquals(2, registry.allTrustedIssuers("orchestrator").size(), "every upstream IdP is also a trusted issuer");
        assertEquals(List.of("1234.apps.googleusercontent.com"), registry.allTrustedIssuers("orchestrator").get(1).audiences());
        assertEquals(SECRET, registry.upstreamIdps().get(0).clientSecret());
        assertNull(registry.upstreamIdps().get(0).withoutSecret().clientSecret());
    }

    @Test
    void aMissingVariableStopsStartUpNamingIt() {
        RegistryException e = assertThrows(RegistryException.class, () -> parse("""
                clients:
                  - client_id: a
                    client_secret: ${NOT_SET_ANYWHERE}
                    grant_types: [client_credentials]
                """, Map.of()));
        assertTrue(e.getMessage().contains("NOT_SET_ANYWHERE"), e.getMessage());
        assertTrue(e.getMessage().contains("reg.yaml"), e.getMessage());
        assertTrue(e.getMessage().contains("clients[0].client_secret"), e.getMessage());
    }

    @Test
    void variablesInCommentsAreNeverRead() {
        Registry registry = parse("""
                # client_secret: ${NOT_SET_ANYWHERE}
                clients:
                  - client_id: a   # ${ALSO_NOT_SET}
                    client_secret: ${SECRET}
                    grant_types: [client_credentials]
                """, Map.of("SECRET", SECRET));
        assertEquals("a", registry.clients().get(0).clientId());
    }

    @Test
    void aShortSecretIsRefusedNamingTheClient() {
        RegistryException e = assertThrows(RegistryException.class, () -> parse("""
                clients:
                  - client_id: weak-client
                    client_secret: ${SHORT}
                    grant_types: [client_credentials]
                """, Map.of("SHORT", "tooshort")));
        assertTrue(e.getMessage().contains("weak-client"), e.getMessage());
        assertTrue(e.getMessage().contains("client_secret"), e.getMessage());
        assertTrue(e.getMessage().contains("32"), e.getMessage());
        assertFalse(e.getMessage().contains("tooshort"), "the secret is not echoed");
    }

    @Test
    void idTokenSignedResponseAlgIsRs256UnlessTheClientNamesEs256OrEdDsa() {
        Registry registry = parse("""
                clients:
                  - client_id: default-app
                    client_secret: ${SECRET}
                  - client_id: es-app
                    client_secret: ${SECRET}
                    id_token_signed_response_alg: ES256
                  - client_id: ed-app
                    client_secret: ${SECRET}
                    id_token_signed_response_alg: EdDSA
                """, Map.of("SECRET", SECRET));
        assertEquals(dev.tokenservices.shared.jose.KeyAlgorithm.RS256, registry.client("default-app").orElseThrow().idTokenSignedResponseAlg());
        assertEquals(dev.tokenservices.shared.jose.KeyAlgorithm.ES256, registry.client("es-app").orElseThrow().idTokenSignedResponseAlg());
        assertEquals(dev.tokenservices.shared.jose.KeyAlgorithm.EdDSA, registry.client("ed-app").orElseThrow().idTokenSignedResponseAlg());
    }

    @Test
    void anIdTokenAlgorithmWeDoNotSignWithIsAnErrorNamingTheClient() {
        for (String alg : List.of("none", "HS256", "RS512", "es256", "[RS256]")) {
            assertMessage(error("""
                    clients:
                      - client_id: ok-app
                        client_secret: ${SECRET}
                      - client_id: picky-app
                        client_secret: ${SECRET}
                        id_token_signed_response_alg: %s
                    """.formatted(alg)), "reg.yaml", "clients[1] (picky-app)", "id_token_signed_response_alg");
        }
    }

    @Test
    void wrongFieldsAreNamedWithFileEntryAndField() {
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    token_endpoint_auth_method: client_secret_jwt
                """), "reg.yaml", "clients[0] (a)", "token_endpoint_auth_method", "client_secret_jwt");
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    grant_types: [password]
                """), "clients[0] (a)", "grant_types", "password");
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    access_token_lifetime: -5
                """), "access_token_lifetime");
        assertMessage(error("""
                clients:
                  - client_id: pub
                    token_endpoint_auth_method: none
                    grant_types: [client_credentials]
                """), "clients[0] (pub)", "grant_types");
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                  - client_id: a
                    client_secret: ${SECRET}
                """), "clients[1] (a)", "registered twice");
        assertMessage(error("""
                clients:
                  - client_secret: ${SECRET}
                """), "clients[0]", "client_id", "required");
        assertMessage(error("""
                clients:
                  - client_id: k
                    token_endpoint_auth_method: private_key_jwt
                """), "clients[0] (k)", "jwks");
        assertMessage(error("""
                clients:
                  - client_id: k
                    token_endpoint_auth_method: private_key_jwt
                    jwks: {keys: [{kty: EC, crv: P-256, x: a, y: b, d: secret}]}
                """), "jwks", "public keys only");
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    redirect_uris: ["/relative"]
                """), "redirect_uris", "absolute");
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    scope: "ok bad\\"scope"
                """), "scope");
    }

    @Test
    void resourcesAreValidated() {
        assertMessage(error("""
                resources:
                  - resource: https://api.example/a#frag
                    scopes: [a.read]
                """), "resources[0]", "fragment");
        assertMessage(error("""
                resources:
                  - resource: https://api.example/a
                    scopes: []
                """), "resources[0] (https://api.example/a)", "scopes");
        assertMessage(error("""
                resources:
                  - resource: https://api.example/a
                    scopes: [shared.scope]
                  - resource: https://api.example/b
                    scopes: [shared.scope]
                """), "resources[1] (https://api.example/b)", "shared.scope", "https://api.example/a");
        assertMessage(error("""
                resources:
                  - resource: https://api.example/a
                    scopes: [a.read]
                    authority: {url: http://x/decide, on_failure: maybe}
                """), "authority.on_failure", "maybe");
        assertMessage(error("""
                resources:
                  - resource: https://api.example/a
                    scopes: [a.read]
                    authority: {url: ftp://x/decide}
                """), "authority.url");
    }

    @Test
    void issuersMustBeHttpsExceptOnLoopback() {
        assertMessage(error("""
                trusted_issuers:
                  - issuer: http://idp.example
                    audiences: [x]
                """), "trusted_issuers[0]", "issuer", "https");
        Registry ok = parse("""
                trusted_issuers:
                  - issuer: http://localhost:8180/realms/demo
                    audiences: [x]
                """, Map.of());
        assertEquals("http://localhost:8180/realms/demo", ok.trustedIssuers().get(0).issuer());
    }

    @Test
    void brokenYamlNamesTheFile() {
        assertMessage(error("clients: [ {client_id: a"), "reg.yaml", "YAML");
    }

    @Test
    void unknownClientFieldsAreWarnedAboutNotFatal() {
        parse("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    logo_uri: https://x/logo.png
                """, Map.of("SECRET", SECRET));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("logo_uri"));
    }

    @Test
    void valuesOfTheWrongKindNameEntryAndField() {
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    access_token_lifetime: "600"
                """), "reg.yaml", "clients[0] (a)", "field 'access_token_lifetime'", "whole number");
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    scope: [a, b]
                """), "clients[0] (a)", "field 'scope'", "single value");
        assertMessage(error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    grant_types: client_credentials
                """), "clients[0] (a)", "field 'grant_types'", "must be a list");
        assertMessage(error("""
                upstream_idps:
                  - id: corp
                    issuer: https://sso.example
                    client_id: x
                    client_secret: ${SECRET}
                    logout_upstream: "no"
                """), "upstream_idps[0] (corp)", "field 'logout_upstream'", "true or false");
        assertMessage(error("""
                resources:
                  - resource: https://api.example/a
                    scopes: [a.read]
                    authority: {url: http://x/decide, timeout_ms: 1.5}
                """), "resources[0] (https://api.example/a)", "field 'authority.timeout_ms'");
        assertMessage(error("clients: {client_id: a}"), "reg.yaml", "'clients' must be a list");
        assertMessage(error("clients: [just-a-name]"), "reg.yaml", "clients[0] must be a mapping");
        assertMessage(error("- a\n- b"), "reg.yaml", "top level must be a mapping");
    }

    @Test
    void everyFieldMistakeOfTheFileIsNamedAtOnce() {
        RegistryException e = error("""
                clients:
                  - client_id: a
                    client_secret: ${SECRET}
                    access_token_lifetime: 0
                    redirect_uris: ["https://shop.example/cb#frag"]
                resources:
                  - resource: https://api.example/b
                    scopes: ["", b.read]
                """);
        assertMessage(e, "clients[0] (a): field 'access_token_lifetime'", "clients[0] (a): field 'redirect_uris'",
                "https://shop.example/cb#frag", "resources[0] (https://api.example/b): field 'scopes' must hold non-empty strings");
    }

    @Test
    void unknownFieldsOfEverySectionAndTheTopLevelAreWarnedAbout() {
        parse("""
                colour: blue
                resources:
                  - resource: https://api.example/a
                    scopes: [a.read]
                    authority: {url: http://x/decide, retries: 3}
                trusted_issuers:
                  - issuer: https://idp.example
                    audiences: [x]
                    comment: partner
                """, Map.of());
        assertEquals(Set.of("reg.yaml: unknown top-level key 'colour' is ignored",
                "reg.yaml: resources[0] (https://api.example/a): field 'authority.retries' is not used and is ignored",
                "reg.yaml: trusted_issuers[0] (https://idp.example): field 'comment' is not used and is ignored"), Set.copyOf(warnings));
    }

    @Test
    void aJwkSetNeedsKeysEachWithItsType() {
        assertMessage(error("""
                clients:
                  - client_id: k
                    token_endpoint_auth_method: private_key_jwt
                    jwks: {keys: []}
                """), "clients[0] (k)", "field 'jwks.keys'", "non-empty 'keys' list");
        assertMessage(error("""
                clients:
                  - client_id: k
                    token_endpoint_auth_method: private_key_jwt
                    jwks: {keys: [{crv: P-256, x: a, y: b}]}
                """), "clients[0] (k)", "field 'jwks'", "kty");
        Registry registry = parse("""
                clients:
                  - client_id: k
                    jwks: {keys: [{kty: EC, crv: P-256, x: a, y: b}]}
                """, Map.of());
        ClientEntry client = registry.client("k").orElseThrow();
        assertEquals(AuthMethod.PRIVATE_KEY_JWT, client.authMethod(), "keys without a method mean private_key_jwt");
        assertEquals("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"a\",\"y\":\"b\"}]}", client.jwks());
    }

    @Test
    void requirePkceDefaultsToTrueAndOnlyAConfidentialClientMayTurnItOff() {
        Registry registry = parse("""
                clients:
                  - client_id: web
                    client_secret: ${SECRET}
                    redirect_uris: ["https://web.example/cb"]
                  - client_id: legacy-web
                    client_secret: ${SECRET}
                    redirect_uris: ["https://legacy.example/cb"]
                    require_pkce: false
                  - client_id: spa
                    token_endpoint_auth_method: none
                    redirect_uris: ["https://spa.example/cb"]
                    require_pkce: true
                """, Map.of("SECRET", SECRET));
        assertTrue(registry.client("web").orElseThrow().requirePkce());
        assertFalse(registry.client("legacy-web").orElseThrow().requirePkce());
        assertTrue(registry.client("spa").orElseThrow().requirePkce());
        assertMessage(error("""
                clients:
                  - client_id: spa
                    token_endpoint_auth_method: none
                    redirect_uris: ["https://spa.example/cb"]
                    require_pkce: false
                """), "reg.yaml", "clients[0] (spa)", "require_pkce", "public client");
        assertMessage(error("""
                clients:
                  - client_id: web
                    client_secret: ${SECRET}
                    require_pkce: maybe
                """), "clients[0] (web)", "require_pkce");
    }

    @Test
    void dpopBoundAccessTokensDefaultsToFalseAndMustBeABoolean() {
        Registry registry = parse("""
                clients:
                  - client_id: tv
                    token_endpoint_auth_method: none
                    grant_types: ["urn:ietf:params:oauth:grant-type:device_code"]
                    dpop_bound_access_tokens: true
                  - client_id: web
                    client_secret: ${SECRET}
                """, Map.of("SECRET", SECRET));
        assertTrue(registry.client("tv").orElseThrow().dpopBoundAccessTokens());
        assertFalse(registry.client("web").orElseThrow().dpopBoundAccessTokens());
        assertMessage(error("""
                clients:
                  - client_id: web
                    client_secret: ${SECRET}
                    dpop_bound_access_tokens: sometimes
                """), "clients[0] (web)", "dpop_bound_access_tokens");
    }

    @Test
    void requirePushedAuthorizationRequestsDefaultsToFalse() {
        Registry registry = parse("""
                clients:
                  - client_id: web
                    client_secret: ${SECRET}
                    redirect_uris: ["https://web.example/cb"]
                  - client_id: agent
                    token_endpoint_auth_method: none
                    redirect_uris: ["https://agent.example/cb"]
                    require_pushed_authorization_requests: true
                """, Map.of("SECRET", SECRET));
        assertFalse(registry.client("web").orElseThrow().requirePushedAuthorizationRequests());
        assertTrue(registry.client("agent").orElseThrow().requirePushedAuthorizationRequests());
        assertMessage(error("""
                clients:
                  - client_id: web
                    client_secret: ${SECRET}
                    require_pushed_authorization_requests: sometimes
                """), "clients[0] (web)", "require_pushed_authorization_requests");
    }

    @Test
    void anEmptyFileIsAnEmptyRegistry() {
        assertTrue(parse("", Map.of()).clients().isEmpty());
    }

    // ---- each service resolves only the secret fields it reads

    /** Two clients (one confidential) and an upstream IdP, each secret from its own variable. */
    private static final String SECRETS_YAML = """
            clients:
              - client_id: web-shop
                client_secret: ${WEB_SHOP_SECRET}
                redirect_uris: ["${SHOP_URL}/callback"]
              - client_id: reports-worker
                client_secret: ${REPORTS_WORKER_SECRET}
                grant_types: [client_credentials]
              - client_id: tv-app
                token_endpoint_auth_method: none
            upstream_idps:
              - id: corp
                issuer: https://sso.corp.example
                client_id: orchestrator-at-corp
                client_secret: ${UPSTREAM_IDP_CLIENT_SECRET}
            """;

    private Registry parseFor(Set<SecretField> reads, ExampleSecrets examples, Map<String, String> env) {
        return RegistryFile.parse("reg.yaml", SECRETS_YAML, reads, examples, env::get, warnings::add);
    }

    @Test
    void theTokenServiceReadsClientSecretsAndNeitherNeedsNorHoldsTheUpstreamIdps() {
        Registry registry = parseFor(EnumSet.of(SecretField.CLIENT_SECRETS), ExampleSecrets.REFUSED,
                Map.of("WEB_SHOP_SECRET", SECRET, "REPORTS_WORKER_SECRET", SECRET + "-w", "SHOP_URL", "https://shop.example"));
        assertEquals(Hashes.sha256Hex(SECRET), registry.client("web-shop").orElseThrow().secretHash());
        assertEquals(Hashes.sha256Hex(SECRET + "-w"), registry.client("reports-worker").orElseThrow().secretHash());
        assertNull(registry.upstreamIdps().get(0).clientSecret(), "a secret the service does not read is not held");
        assertEquals("orchestrator-at-corp", registry.upstreamIdps().get(0).clientId(), "the rest of the entry is read");
    }

    @Test
    void thePortalReadsNoSecretAndStartsWithoutAnyOfTheirVariables() {
        Registry registry = parseFor(EnumSet.noneOf(SecretField.class), ExampleSecrets.REFUSED, Map.of("SHOP_URL", "https://shop.example"));
        ClientEntry shop = registry.client("web-shop").orElseThrow();
        assertNull(shop.secretHash());
        assertEquals(AuthMethod.CLIENT_SECRET_BASIC, shop.authMethod(), "a confidential client stays confidential");
        assertNull(registry.upstreamIdps().get(0).clientSecret());
    }

    @Test
    void theOrchestratorReadsItsLoginClientsAndUpstreamIdpsAndAnUnsetVariableThereStopsItNamingTheVariable() {
        Set<SecretField> orchestrator = EnumSet.of(SecretField.LOGIN_CLIENT_SECRETS, SecretField.UPSTREAM_IDP_SECRETS);
        Registry registry = parseFor(orchestrator, ExampleSecrets.REFUSED,
                Map.of("WEB_SHOP_SECRET", SECRET, "SHOP_URL", "https://shop.example", "UPSTREAM_IDP_CLIENT_SECRET", SECRET + "-idp"));
        assertEquals(SECRET + "-idp", registry.upstreamIdps().get(0).clientSecret());
        assertEquals(Hashes.sha256Hex(SECRET), registry.client("web-shop").orElseThrow().secretHash());
        assertNull(registry.client("reports-worker").orElseThrow().secretHash(),
                "a client that never logs users in does not authenticate at the orchestrator: its secret is not needed there");
        RegistryException e = assertThrows(RegistryException.class, () -> parseFor(orchestrator,
                ExampleSecrets.REFUSED, Map.of("WEB_SHOP_SECRET", SECRET, "SHOP_URL", "https://shop.example")));
        assertMessage(e, "UPSTREAM_IDP_CLIENT_SECRET", "upstream_idps[0].client_secret");
        e = assertThrows(RegistryException.class, () -> parseFor(orchestrator,
                ExampleSecrets.REFUSED, Map.of("SHOP_URL", "https://shop.example", "UPSTREAM_IDP_CLIENT_SECRET", SECRET)));
        assertMessage(e, "WEB_SHOP_SECRET", "clients[0].client_secret");
        e = assertThrows(RegistryException.class, () -> parseFor(EnumSet.of(SecretField.CLIENT_SECRETS),
                ExampleSecrets.REFUSED, Map.of("WEB_SHOP_SECRET", SECRET, "SHOP_URL", "https://shop.example")));
        assertMessage(e, "REPORTS_WORKER_SECRET", "clients[1].client_secret");
    }

    @Test
    void aVariableOutsideTheSecretFieldsIsResolvedByEveryService() {
        RegistryException e = assertThrows(RegistryException.class,
                () -> parseFor(EnumSet.noneOf(SecretField.class), ExampleSecrets.REFUSED, Map.of()));
        assertMessage(e, "SHOP_URL", "clients[0].redirect_uris[0]");
    }

    @Test
    void anUnreadSecretFieldIsStillRequiredByItsAuthMethod() {
        RegistryException e = assertThrows(RegistryException.class, () -> RegistryFile.parse("reg.yaml", """
                clients:
                  - client_id: a
                    token_endpoint_auth_method: client_secret_basic
                """, EnumSet.noneOf(SecretField.class), ExampleSecrets.ALLOWED, Map.<String, String>of()::get, warnings::add));
        assertMessage(e, "clients[0] (a)", "client_secret", "required");
    }

    @Test
    void exampleSecretsStopStartUpOutsideDevAndTestNamingEntryAndField() {
        Map<String, String> env = Map.of("WEB_SHOP_SECRET", "change-me-web-shop-secret-0000000000000000",
                "REPORTS_WORKER_SECRET", SECRET, "SHOP_URL", "https://shop.example",
                "UPSTREAM_IDP_CLIENT_SECRET", "an-Example-upstream-secret-000000000000");
        RegistryException e = assertThrows(RegistryException.class,
                () -> parseFor(EnumSet.allOf(SecretField.class), ExampleSecrets.REFUSED, env));
        assertMessage(e, "reg.yaml", "clients[0] (web-shop)", "client_secret", "example value");
        assertFalse(e.getMessage().contains("change-me-web-shop"), "the secret is not echoed");
        e = assertThrows(RegistryException.class,
                () -> parseFor(EnumSet.of(SecretField.UPSTREAM_IDP_SECRETS), ExampleSecrets.REFUSED, env));
        assertMessage(e, "upstream_idps[0] (corp)", "client_secret", "example value");
        // dev and test run with them; a service that does not read the field does not look at it
        parseFor(EnumSet.allOf(SecretField.class), ExampleSecrets.ALLOWED, env);
        parseFor(EnumSet.noneOf(SecretField.class), ExampleSecrets.REFUSED, env);
    }

    private static void assertMessage(RegistryException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }
}
