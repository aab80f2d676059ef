package dev.tokenservices.token.endpoint;

import static dev.tokenservices.token.support.Fixtures.ISSUER;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** RFC 8414 metadata and the RFC 7517 JWK Set. */
@QuarkusTest
class DiscoveryTest {

    @Test
    void metadataNamesEveryEndpointUnderTheIssuer() {
        given().get("/.well-known/oauth-authorization-server")
                .then().statusCode(200)
                .contentType("application/json")
                .body("issuer", equalTo(ISSUER))
                .body("token_endpoint", equalTo(ISSUER + "/token"))
                .body("jwks_uri", equalTo(ISSUER + "/jwks"))
                .body("introspection_endpoint", equalTo(ISSUER + "/introspect"))
                .body("revocation_endpoint", equalTo(ISSUER + "/revoke"))
                .body("grant_types_supported", hasItem("client_credentials"))
                .body("token_endpoint_auth_methods_supported", hasItem("private_key_jwt"))
                .body("token_endpoint_auth_signing_alg_values_supported", not(hasItem("none")))
                .body("token_endpoint_auth_signing_alg_values_supported", not(hasItem("HS256")));
    }

    @Test
    void theOpenIdLocationServesTheSameDocument() {
        assertEquals(given().get("/.well-known/oauth-authorization-server").asString(),
                given().get("/.well-known/openid-configuration").asString());
    }

    @Test
    void theJwksPublishesPublicSigningKeysOnly() throws Exception {
        String body = given().get("/jwks").then().statusCode(200)
                .header("Cache-Control", containsString("max-age")).extract().asString();
        JWKSet set = JWKSet.parse(body);
        assertFalse(set.getKeys().isEmpty());
        for (JWK key : set.getKeys()) {
            assertFalse(key.isPrivate(), "no private key material in /jwks");
            assertEquals(KeyUse.SIGNATURE, key.getKeyUse());
            assertEquals("ES256", key.getAlgorithm().getName());
            assertTrue(key.getKeyID() != null && !key.getKeyID().isEmpty());
        }
        assertFalse(body.contains("\"d\""));
    }
}
