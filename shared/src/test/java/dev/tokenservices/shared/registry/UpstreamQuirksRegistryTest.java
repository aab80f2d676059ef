package dev.tokenservices.shared.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The registry settings for real IdPs' quirks, and {@link IssuerPolicy}'s rules. */
class UpstreamQuirksRegistryTest {

    private static final String SECRET = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t";
    private static final String AZURE = "https://login.microsoftonline.com/{tenantid}/v2.0";
    private static final String TENANT_A = "9b2f6a1e-7d3c-4b8a-a1f0-2c5d8e9f0a1b";
    private static final String TENANT_B = "1c0d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f";

    private static Registry parse(String yaml, Map<String, String> env) {
        return RegistryFile.parse("reg.yaml", yaml, env::get, w -> { });
    }

    private static String error(String yaml) {
        return assertThrows(RegistryException.class, () -> parse(yaml, Map.of("SECRET", SECRET))).getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void everyQuirkSettingIsReadIntoTheEntryAndItsTrustedIssuer() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).generate();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.toECPrivateKey().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Registry registry = parse("""
                trusted_issuers:
                  - issuer: https://accounts.google.com
                    audiences: ["1234.apps.googleusercontent.com"]
                    issuer_aliases: [accounts.google.com]
                    allowed_hd: [example.com]
                upstream_idps:
                  - id: google
                    issuer: https://accounts.google.com
                    issuer_aliases: [accounts.google.com]
                    allowed_hd: [example.com, Example.ORG]
                    client_id: 1234.apps.googleusercontent.com
                    client_secret: ${SECRET}
                    timeout_ms: 2500
                  - id: entra
                    issuer: "%s"
                    allowed_tenants: [%s, %s]
                    client_id: entra-app
                    client_secret: ${SECRET}
                  - id: apple
                    issuer: https://appleid.apple.com
                    client_id: com.example.web
                    response_mode: form_post
                    client_secret_jwt_key: ${APPLE_KEY}
                    client_secret_jwt_key_id: ABC123DEFG
                    client_secret_jwt_issuer: TEAM123456
                """.formatted(AZURE, TENANT_A, TENANT_B), Map.of("SECRET", SECRET, "APPLE_KEY", pem));
        UpstreamIdpEntry google = registry.upstreamIdp("google").orElseThrow();
        assertEquals(List.of("accounts.google.com"), google.policy().aliases());
        assertEquals(List.of("example.com", "example.org"), google.policy().allowedHd());
        assertEquals(Duration.ofMillis(2500), google.timeout());
        assertEquals(UpstreamIdpEntry.ResponseMode.QUERY, google.responseMode());
        UpstreamIdpEntry entra = registry.upstreamIdp("entra").orElseThrow();
        assertTrue(entra.policy().templated());
        assertEquals("https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration",
                entra.policy().discoveryUrl());
        assertNull(entra.timeout());
        UpstreamIdpEntry apple = registry.upstreamIdp("apple").orElseThrow();
        assertTrue(apple.formPost());
        assertEquals("TEAM123456", apple.clientSecretJwt().issuer());
        assertEquals(key.toECPrivateKey().getS(), ClientSecretKeys.parse(apple.clientSecretJwt().key()).getS());
        assertNull(apple.withoutSecret().clientSecretJwt().key());
        assertFalse(apple.clientSecretJwt().toString().contains("PRIVATE"));
        List<TrustedIssuerEntry> trusted = registry.allTrustedIssuers("orchestrator");
        assertEquals(List.of("example.com"), trusted.get(0).policy().allowedHd());
        assertEquals(google.policy(), trusted.get(1).policy(), "an upstream IdP's rules hold at token exchange too");
        assertEquals(entra.policy(), trusted.get(2).policy());
    }

    @Test
    void aTemplatedIssuerNeedsItsTenantsListed() {
        assertContains(error("""
                upstream_idps:
                  - id: entra
                    issuer: "%s"
                    client_id: x
                    client_secret: ${SECRET}
                """.formatted(AZURE)), "upstream_idps[0] (entra)", "allowed_tenants", "is required", "never any tenant");
        assertContains(error("""
                trusted_issuers:
                  - issuer: "%s"
                    audiences: [x]
                    allowed_tenants: [common]
                """.formatted(AZURE)), "trusted_issuers[0]", "allowed_tenants", "'common' names no single tenant");
        assertContains(error("""
                upstream_idps:
                  - id: corp
                    issuer: https://sso.example
                    allowed_tenants: [%s]
                    client_id: x
                    client_secret: ${SECRET}
                """.formatted(TENANT_A)), "upstream_idps[0] (corp)", "allowed_tenants", "only for an issuer templated");
        assertContains(error("""
                upstream_idps:
                  - id: corp
                    issuer: https://sso.example/{tenant}/v2.0
                    client_id: x
                    client_secret: ${SECRET}
                """), "upstream_idps[0] (corp)", "issuer", "not a valid URI");
        assertContains(error("""
                upstream_idps:
                  - id: entra
                    issuer: "%s"
                    allowed_tenants: ["*"]
                    client_id: x
                    client_secret: ${SECRET}
                """.formatted(AZURE)), "allowed_tenants", "is not a tenant id");
    }

    @Test
    void anAliasBelongsToOneIssuer() {
        assertContains(error("""
                trusted_issuers:
                  - issuer: https://a.example
                    audiences: [x]
                    issuer_aliases: [shared.example]
                upstream_idps:
                  - id: b
                    issuer: https://b.example
                    issuer_aliases: [shared.example]
                    client_id: x
                    client_secret: ${SECRET}
                """), "issuer_aliases", "'shared.example' stands for more than one issuer");
        assertContains(error("""
                trusted_issuers:
                  - issuer: https://a.example
                    audiences: [x]
                    issuer_aliases: ["https://b.example"]
                  - issuer: https://b.example
                    audiences: [x]
                """), "issuer_aliases", "'https://b.example' stands for more than one issuer");
    }

    @Test
    void badDomainsAliasesTimeoutsAndModesAreNamed() {
        assertContains(error("""
                upstream_idps:
                  - id: google
                    issuer: https://accounts.google.com
                    allowed_hd: ["*.example.com"]
                    issuer_aliases: ["accounts google"]
                    timeout_ms: 10
                    client_id: x
                    client_secret: ${SECRET}
                """), "field 'allowed_hd'", "is not a domain name", "field 'issuer_aliases'", "without spaces",
                "field 'timeout_ms'", "from 100 to 60000");
        assertContains(error("""
                upstream_idps:
                  - id: google
                    issuer: https://accounts.google.com
                    response_mode: fragment
                    client_id: x
                    client_secret: ${SECRET}
                """), "response_mode", "'fragment' is not one of", "form_post");
    }

    @Test
    void aClientSecretJwtNeedsItsKeyAndNamesAndNoSecret() {
        assertContains(error("""
                upstream_idps:
                  - id: apple
                    issuer: https://appleid.apple.com
                    client_id: com.example.web
                    client_secret_jwt_key: ${KEY}
                    client_secret_jwt_issuer: TEAM123456
                """), "upstream_idps[0] (apple)", "client_secret_jwt_key_id", "is required");
        assertContains(error("""
                upstream_idps:
                  - id: apple
                    issuer: https://appleid.apple.com
                    client_id: com.example.web
                    client_secret: ${SECRET}
                    client_secret_jwt_key: "-----BEGIN PRIVATE KEY-----"
                    client_secret_jwt_key_id: ABC123DEFG
                    client_secret_jwt_issuer: TEAM123456
                """), "client_secret", "cannot be used with client_secret_jwt_key");
        String message = error("""
                upstream_idps:
                  - id: apple
                    issuer: https://appleid.apple.com
                    client_id: com.example.web
                    client_secret_jwt_key: "-----BEGIN PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END PRIVATE KEY-----"
                    client_secret_jwt_key_id: ABC123DEFG
                    client_secret_jwt_issuer: TEAM123456
                """);
        assertContains(message, "client_secret_jwt_key", "P-256");
        assertFalse(message.contains("bm90IGEga2V5"), "the key is never repeated");
    }

    @Test
    void googleAcceptsItsAliasAndPinsTheHostedDomain() {
        IssuerPolicy google = new IssuerPolicy("https://accounts.google.com", List.of("accounts.google.com"), List.of(),
                List.of("example.com"));
        assertEquals(Optional.empty(), google.refusal(Map.of("iss", "https://accounts.google.com", "hd", "example.com")));
        assertEquals(Optional.empty(), google.refusal(Map.of("iss", "accounts.google.com", "hd", "EXAMPLE.com")));
        assertEquals(Optional.of("iss does not match the trusted issuer"),
                google.refusal(Map.of("iss", "https://evil.example", "hd", "example.com")));
        assertEquals(Optional.of("hd is missing; only accounts of example.com are accepted"),
                google.refusal(Map.of("iss", "accounts.google.com")));
        assertEquals(Optional.of("the hosted domain (hd) is not one accepted for this issuer"),
                google.refusal(Map.of("iss", "accounts.google.com", "hd", "other.example")));
        assertEquals(Optional.of("iss does not match the trusted issuer"),
                IssuerPolicy.exact("https://accounts.google.com").refusal(Map.of("iss", "accounts.google.com")));
    }

    @Test
    void aTemplatedIssuerAcceptsExactlyItsTenantsUnderTheirOwnIssuer() {
        IssuerPolicy entra = new IssuerPolicy(AZURE, List.of(), List.of(TENANT_A), List.of());
        String issA = "https://login.microsoftonline.com/" + TENANT_A + "/v2.0";
        String issB = "https://login.microsoftonline.com/" + TENANT_B + "/v2.0";
        assertEquals(Optional.empty(), entra.refusal(Map.of("iss", issA, "tid", TENANT_A)));
        assertEquals(Optional.of("the tenant (tid) is not one this issuer is trusted for"),
                entra.refusal(Map.of("iss", issB, "tid", TENANT_B)));
        assertEquals(Optional.of("iss does not name the token's own tenant (tid)"),
                entra.refusal(Map.of("iss", issB, "tid", TENANT_A)), "a listed tid under another tenant's iss");
        assertEquals(Optional.of("iss does not name the token's own tenant (tid)"),
                entra.refusal(Map.of("iss", AZURE, "tid", TENANT_A)), "the template itself is no tenant's issuer");
        assertEquals(Optional.of("tid is missing; the issuer serves several tenants"), entra.refusal(Map.of("iss", issA)));
        assertTrue(entra.namedBy(issA, TENANT_A));
        assertFalse(entra.namedBy(issB, TENANT_B));
        assertTrue(entra.namesIssuerInResponse(issA));
        assertFalse(entra.namesIssuerInResponse(AZURE));
    }
}
