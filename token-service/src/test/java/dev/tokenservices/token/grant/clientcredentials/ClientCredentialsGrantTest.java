package dev.tokenservices.token.grant.clientcredentials;

import static dev.tokenservices.token.support.Fixtures.INVOICES;
import static dev.tokenservices.token.support.Fixtures.ISSUER;
import static dev.tokenservices.token.support.Fixtures.MEDIA;
import static dev.tokenservices.token.support.Fixtures.WORKER;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.Fixtures.verify;
import static dev.tokenservices.token.support.Fixtures.worker;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenservices.token.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RFC 6749 §4.4 with RFC 9068 tokens, against the running service with real Redis and PostgreSQL. */
@QuarkusTest
class ClientCredentialsGrantTest {

    @Test
    void issuesAnRfc9068TokenThatVerifiesAgainstTheJwks() throws Exception {
        ExtractableResponse<Response> response = worker()
                .formParam("grant_type", "client_credentials")
                .formParam("scope", "invoices.read")
                .post("/token")
                .then().statusCode(200)
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .contentType("application/json")
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(120))
                .body("scope", equalTo("invoices.read"))
                .body("refresh_token", nullValue())
                .extract();
        String token = response.path("access_token");
        SignedJWT jwt = SignedJWT.parse(token);
        assertEquals("at+jwt", jwt.getHeader().getType().getType());
        assertEquals("ES256", jwt.getHeader().getAlgorithm().getName());
        assertNotNull(jwt.getHeader().getKeyID());
        JWTClaimsSet claims = verify(token);
        assertEquals(ISSUER, claims.getIssuer());
        assertEquals(WORKER, claims.getSubject());
        assertEquals(List.of(INVOICES), claims.getAudience());
        assertEquals(WORKER, claims.getStringClaim("client_id"));
        assertEquals("invoices.read", claims.getStringClaim("scope"));
        assertEquals(120, (claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()) / 1000);
        assertNotNull(claims.getJWTID());
    }

    @Test
    void everyTokenHasItsOwnJti() throws Exception {
        assertNotEquals(verify(Fixtures.workerToken()).getJWTID(), verify(Fixtures.workerToken()).getJWTID());
    }

    @Test
    void withoutScopeTheWholeAllowanceIsGrantedAndAudListsEachResource() throws Exception {
        String token = worker().formParam("grant_type", "client_credentials").post("/token")
                .then().statusCode(200)
                .body("scope", equalTo("invoices.read invoices.write media.play misc.flag"))
                .extract().path("access_token");
        assertEquals(Set.of(INVOICES, MEDIA), Set.copyOf(verify(token).getAudience()));
    }

    @Test
    void resourceSelectsTheAudience() throws Exception {
        String token = worker().formParam("grant_type", "client_credentials").formParam("resource", MEDIA).post("/token")
                .then().statusCode(200).body("scope", equalTo("media.play")).extract().path("access_token");
        assertEquals(List.of(MEDIA), verify(token).getAudience());
    }

    @Test
    void twoResourcesGiveOneTokenForBoth() throws Exception {
        String token = worker().formParam("grant_type", "client_credentials")
                .formParam("resource", MEDIA).formParam("resource", INVOICES)
                .formParam("scope", "media.play invoices.read").post("/token")
                .then().statusCode(200).extract().path("access_token");
        assertEquals(List.of(MEDIA, INVOICES), verify(token).getAudience());
    }

    @Test
    void aScopeBeyondTheAllowanceIsInvalidScope() {
        form().auth().preemptive().basic(Fixtures.NARROW_WORKER, Fixtures.NARROW_WORKER_SECRET)
                .formParam("grant_type", "client_credentials").formParam("scope", "media.play invoices.read")
                .post("/token")
                .then().statusCode(400)
                .header("Cache-Control", "no-store")
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("scope 'invoices.read' is not allowed for this client"))
                .body("access_token", nullValue());
    }

    @Test
    void anUnknownResourceIsInvalidTarget() {
        worker().formParam("grant_type", "client_credentials").formParam("resource", "https://api.example/nope")
                .post("/token")
                .then().statusCode(400)
                .body("error", equalTo("invalid_target"))
                .body("error_description", equalTo("resource https://api.example/nope is not known to this authorization server"));
    }

    @Test
    void aResourceTheClientHasNoScopeForIsInvalidTarget() {
        form().auth().preemptive().basic(Fixtures.NARROW_WORKER, Fixtures.NARROW_WORKER_SECRET)
                .formParam("grant_type", "client_credentials").formParam("resource", INVOICES)
                .post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_target"));
    }

    @Test
    void aMalformedScopeIsInvalidScope() {
        worker().formParam("grant_type", "client_credentials").formParam("scope", "invoices.read \"x")
                .post("/token")
                .then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void aClientNotRegisteredForTheGrantIsUnauthorizedClient() {
        form().auth().preemptive().basic(Fixtures.EXCHANGER, Fixtures.EXCHANGER_SECRET)
                .formParam("grant_type", "client_credentials")
                .post("/token")
                .then().statusCode(400)
                .body("error", equalTo("unauthorized_client"))
                .body("error_description", equalTo("this client is not allowed to use grant_type client_credentials"));
    }

    @Test
    void aPublicClientCannotUseClientCredentials() {
        form().formParam("client_id", "tv-app").formParam("grant_type", "client_credentials")
                .post("/token")
                .then().statusCode(400).body("error", equalTo("unauthorized_client"));
    }
}
