package dev.tokenservices.token.grant.tokenexchange;

import static dev.tokenservices.token.grant.tokenexchange.TokenExchangeGrantTest.exchange;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.token.support.TestIssuer;
import dev.tokenservices.token.support.TestWorld;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Token exchange holds an id_token to the same issuer quirks as the orchestrator's login
 * ({@link dev.tokenservices.shared.registry.IssuerPolicy}): Google's issuer alias and pinned
 * Workspace domain, Entra ID's templated issuer and listed tenants, an issuer with a path, and
 * Keycloak's {@code typ: ID} claim. Refusals are 400 invalid_request (RFC 8693 §2.2.2).
 */
@QuarkusTest
class IssuerQuirksTest {

    private static void accepted(String token, String sub) throws Exception {
        String accessToken = exchange(token, "acc.read").statusCode(200).body("scope", equalTo("acc.read"))
                .extract().path("access_token");
        assertEquals(sub, SignedJWT.parse(accessToken).getJWTClaimsSet().getSubject());
    }

    private static void refused(String token, String why) {
        exchange(token, "acc.read").statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("subject_token is not acceptable: " + why)).body("access_token", nullValue());
    }

    private static String alias() {
        return TestWorld.google.issuer().substring("http://".length());
    }

    @Test
    void googleIdTokensNamingTheIssuerEitherWayAreExchanged() throws Exception {
        TestIssuer google = TestWorld.google;
        accepted(google.sign(google.claims("g-1").claim("hd", "example.com").build(), h -> { }), "g-1");
        accepted(google.sign(google.claims("g-2").issuer(alias()).claim("hd", "example.com").build(), h -> { }), "g-2");
    }

    @Test
    void anotherHostedDomainOrNoneIsRefused() {
        TestIssuer google = TestWorld.google;
        refused(google.sign(google.claims("g-3").claim("hd", "other.example").build(), h -> { }),
                "the hosted domain (hd) is not one accepted for this issuer");
        refused(google.sign(google.claims("g-4").issuer(alias()).build(), h -> { }),
                "hd is missing; only accounts of example.com are accepted");
    }

    @Test
    void anAliasIsNeverAnotherIssuersKeys() {
        // signed by the partner issuer's key, naming the google issuer's alias: the alias brings google's keys only
        TestIssuer partner = TestWorld.partner;
        refused(partner.sign(partner.claims("g-5").issuer(alias()).claim("hd", "example.com").build(), h -> { }),
                "the signature does not verify with the issuer's keys");
    }

    @Test
    void aListedTenantIsExchangedUnderItsOwnIssuer() throws Exception {
        TestIssuer entra = TestWorld.entra;
        String iss = entra.issuer().replace("{tenantid}", TestWorld.TENANT_A);
        accepted(entra.sign(entra.claims("e-1").issuer(iss).claim("tid", TestWorld.TENANT_A).build(), h -> { }), "e-1");
    }

    @Test
    void otherTenantsAndMismatchedTidsAreRefused() {
        TestIssuer entra = TestWorld.entra;
        String issB = entra.issuer().replace("{tenantid}", TestWorld.TENANT_B);
        int fetches = entra.discoveryFetches.get() + entra.jwksFetches.get();
        // a tenant not listed is not trusted at all: nothing is fetched for it
        refused(entra.sign(entra.claims("e-2").issuer(issB).claim("tid", TestWorld.TENANT_B).build(), h -> { }),
                "its issuer is not trusted");
        refused(entra.sign(entra.claims("e-3").issuer(issB).claim("tid", TestWorld.TENANT_A).build(), h -> { }),
                "its issuer is not trusted");
        assertEquals(fetches, entra.discoveryFetches.get() + entra.jwksFetches.get());
        // the template itself names no tenant
        refused(entra.sign(entra.claims("e-4").claim("tid", TestWorld.TENANT_A).build(), h -> { }),
                "its issuer is not trusted");
    }

    @Test
    void anIssuerWithAPathIsDiscoveredAtThatPath() throws Exception {
        TestIssuer realm = TestWorld.realm;
        accepted(realm.idToken("kc-1"), "kc-1");
    }

    @Test
    void keycloaksTypIdClaimAndAHeaderWithoutTypPass() throws Exception {
        TestIssuer realm = TestWorld.realm;
        JWTClaimsSet claims = realm.claims("kc-2").claim("typ", "ID").build();
        accepted(realm.sign(claims, h -> h.type(null)), "kc-2");
        accepted(realm.sign(claims, h -> h.type(JOSEObjectType.JWT)), "kc-2");
        refused(realm.sign(realm.claims("kc-3").build(), h -> h.type(new JOSEObjectType("at+jwt"))),
                "an access token was presented as an id_token");
    }
}
