package dev.tokenservices.orchestrator.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.registry.AuthMethod;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Client metadata as clients bring it: every field checked before anything of it is used (RFC 7591 §2, §3.2.2). */
class ClientMetadataTest {

    private static final String URL = "https://app.example/client.json";
    private static final Set<String> CAP = Set.of("openid", "profile", "email", "invoices.read");

    private static ClientMetadata.Checked document(String json) {
        return ClientMetadata.check(ClientMetadata.parse(json, "the document"), ClientMetadata.Origin.DOCUMENT, URL, CAP);
    }

    private static ClientMetadata.Checked registration(String json) {
        return ClientMetadata.check(ClientMetadata.parse(json, "the request"), ClientMetadata.Origin.REGISTRATION, null, CAP);
    }

    private static ClientMetadataException refused(Runnable call) {
        return assertThrows(ClientMetadataException.class, call::run);
    }

    @Test
    void aPublicDocumentIsAPkceClientWithinTheCap() {
        ClientMetadata.Checked c = document("{\"client_id\":\"" + URL + "\",\"client_name\":\"Agent\",\"redirect_uris\":"
                + "[\"http://127.0.0.1:33418/cb\",\"https://app.example/cb\"],\"scope\":\"openid email media.play\",\"unknown\":{\"x\":[1]}}");
        assertEquals(AuthMethod.NONE, c.authMethod());
        assertEquals(Set.of("openid", "email"), c.scope());
        assertEquals(Set.of("authorization_code"), c.grantTypes());
        assertTrue(c.entry(URL, null, null).requirePkce());
        assertEquals("Agent", c.entry(URL, null, null).clientName());
    }

    @Test
    void dpopAndParRequirementsAreCarriedToTheClientAndRegisteredBack() {
        ClientMetadata.Checked plain = document("{\"client_id\":\"" + URL + "\",\"redirect_uris\":[\"https://app.example/cb\"]}");
        assertFalse(plain.entry(URL, null, null).dpopBoundAccessTokens());
        assertFalse(plain.entry(URL, null, null).requirePushedAuthorizationRequests());
        ClientMetadata.Checked strict = document("{\"client_id\":\"" + URL + "\",\"redirect_uris\":[\"https://app.example/cb\"],"
                + "\"dpop_bound_access_tokens\":true,\"require_pushed_authorization_requests\":true}");
        assertTrue(strict.entry(URL, null, null).dpopBoundAccessTokens());
        assertTrue(strict.entry(URL, null, null).requirePushedAuthorizationRequests());
        ClientMetadata.Checked registered = registration("{\"redirect_uris\":[\"https://app.example/cb\"],\"dpop_bound_access_tokens\":false,"
                + "\"require_pushed_authorization_requests\":true}");
        assertEquals(false, registered.registered().get("dpop_bound_access_tokens"));
        assertEquals(true, registered.registered().get("require_pushed_authorization_requests"));
        // what is stored is read back the same (registered clients are checked again at every lookup)
        ClientMetadata.Checked again = ClientMetadata.check(ClientMetadata.parse(Json.write(registered.registered()), "stored"),
                ClientMetadata.Origin.REGISTRATION, null, CAP);
        assertEquals(registered.registered(), again.registered());
    }

    @Test
    void aDocumentWithoutScopeGetsTheCap() {
        assertEquals(CAP, document("{\"client_id\":\"" + URL + "\",\"redirect_uris\":[\"https://app.example/cb\"]}").scope());
    }

    @Test
    void aDocumentWhoseClientIdIsNotItsUrlIsRefused() {
        for (String other : List.of("https://app.example/client.json/", "https://APP.example/client.json", "https://evil.example/client.json")) {
            ClientMetadataException e = refused(() -> document("{\"client_id\":\"" + other + "\",\"redirect_uris\":[\"https://app.example/cb\"]}"));
            assertEquals("invalid_client_metadata", e.error());
            assertTrue(e.getMessage().contains("client_id must be exactly the URL"), e.getMessage());
        }
        refused(() -> document("{\"redirect_uris\":[\"https://app.example/cb\"]}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":\"client_secret_basic\"} | token_endpoint_auth_method must be one of none, private_key_jwt",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":\"client_secret_post\"} | token_endpoint_auth_method",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"client_secret\":\"s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t\"} | must not contain client_secret",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":\"private_key_jwt\"} | exactly one of jwks_uri and jwks",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks_uri\":\"http://a.example/jwks\"} | jwks_uri must be an https URL",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}} | public keys only",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"jwks_uri\":\"https://a.example/jwks\"} | for private_key_jwt only",
        "{\"client_id\":\"URL\",\"redirect_uris\":\"https://a.example/cb\"} | redirect_uris must be an array of strings",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\",7]} | redirect_uris must be an array of strings",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":{\"en\":\"x\"}} | client_name must be a string",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":\"a\\u0007b\"} | client_name must be readable text",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"scope\":[\"openid\"]} | scope must be a string",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"scope\":\"openid \\\"x\"} | scope must be space-separated scope tokens",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":[\"client_credentials\"]} | grant_types may hold authorization_code and refresh_token only",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":[\"refresh_token\"]} | grant_types must include authorization_code",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"response_types\":[\"token\"]} | response_types may hold code only",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"id_token_signed_response_alg\":\"none\"} | id_token_signed_response_alg must be one of",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"logo_uri\":42} | logo_uri must be a string",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"dpop_bound_access_tokens\":\"true\"} | dpop_bound_access_tokens must be true or false",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"require_pushed_authorization_requests\":1} | require_pushed_authorization_requests must be true or false",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"],\"contacts\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]} | contacts holds more than 10 values",
        "[1,2] | must be a JSON object",
        "{\"client_id\":\"URL\",\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"]} | not valid JSON (or repeats a member)",
        "{\"client_id\":\"URL\",\"redirect_uris\":[\"https://a.example/cb\"]} trailing | not valid JSON"})
    void hostileDocumentsAreInvalidClientMetadata(String json, String message) {
        ClientMetadataException e = refused(() -> document(json.replace("URL", URL)));
        assertEquals("invalid_client_metadata", e.error());
        assertTrue(e.getMessage().contains(message.trim()), e.getMessage());
    }

    @Test
    void oversizeArraysAndValuesAreRefused() {
        String eleven = "\"https://a.example/cb\",".repeat(10) + "\"https://a.example/cb11\"";
        assertTrue(refused(() -> document("{\"client_id\":\"" + URL + "\",\"redirect_uris\":[" + eleven + "]}"))
                .getMessage().contains("more than 10"));
        String longUri = "https://a.example/" + "x".repeat(2000);
        assertTrue(refused(() -> document("{\"client_id\":\"" + URL + "\",\"redirect_uris\":[\"" + longUri + "\"]}"))
                .getMessage().contains("longer than 2000"));
        assertTrue(refused(() -> document("{\"client_id\":\"" + URL + "\",\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":\""
                + "n".repeat(101) + "\"}")).getMessage().contains("client_name is longer than 100"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "http://app.example/cb | must be https", "https://app.example/cb#frag | fragment", "https://user@app.example/cb | user information",
        "com.example.app:/cb | must name a host", "javascript:alert(1) | must name a host", "http://192.168.1.5/cb | must be https",
        "http://localhost.evil.example/cb | must be https", "/relative/cb | must name a host"})
    void badRedirectUrisAreInvalidRedirectUri(String uri, String message) {
        ClientMetadataException e = refused(() -> registration("{\"redirect_uris\":[\"" + uri.trim() + "\"]}"));
        assertEquals("invalid_redirect_uri", e.error());
        assertTrue(e.getMessage().contains(message.trim()), e.getMessage());
        assertEquals("invalid_redirect_uri", refused(() -> registration("{\"grant_types\":[\"authorization_code\"]}")).error());
    }

    @Test
    void loopbackHttpRedirectUrisAreForNativeApps() {
        ClientMetadata.Checked c = registration("{\"redirect_uris\":[\"http://127.0.0.1:8765/cb\",\"http://[::1]/cb\",\"http://localhost:1/x\"],"
                + "\"token_endpoint_auth_method\":\"none\"}");
        assertEquals(3, c.redirectUris().size());
    }

    @Test
    void registrationsDefaultToClientSecretBasicAndNeverBringIdsOrSecrets() {
        assertEquals(AuthMethod.CLIENT_SECRET_BASIC, registration("{\"redirect_uris\":[\"https://a.example/cb\"]}").authMethod());
        assertTrue(refused(() -> registration("{\"client_id\":\"mine\",\"redirect_uris\":[\"https://a.example/cb\"]}"))
                .getMessage().contains("client_id is assigned by the server"));
        assertTrue(refused(() -> registration("{\"client_secret\":\"x\",\"redirect_uris\":[\"https://a.example/cb\"]}"))
                .getMessage().contains("client_secret is issued by the server"));
        assertTrue(refused(() -> registration("{\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":\"private_key_jwt\","
                + "\"jwks_uri\":\"https://a.example/jwks\"}")).getMessage().contains("token_endpoint_auth_method must be one of none, client_secret_basic"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"http://app.example/c.json | must be an https URL", "https://app.example | must have a path",
        "https://u:p@app.example/c.json | without user information", "https://app.example/c.json#x | fragment",
        "https://app.example/a/../c.json | dot segments", "https://app.example/./c.json | dot segments",
        "https://app.example/%2e%2e/c.json | dot segments", "HTTPS://app.example/c.json | must be an https URL",
        "https:///c.json | must name a host", "https://app.example/LONG | is longer than 2000 characters"})
    void clientIdUrlsAreHttpsWithAHostAPathAndNothingAmbiguous(String url, String message) {
        ClientMetadataException e = refused(() -> ClientMetadata.checkHttpsUrl(url.trim().replace("LONG", "x".repeat(2000)), "the client_id"));
        assertTrue(e.getMessage().contains(message.trim()), e.getMessage());
    }
}
