package dev.tokenservices.core.dpop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

class DpopChallengeTest {

    private final DpopChallenge challenge = new DpopChallenge("orchestrator");
    private static final String ALGS = "algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519\"";

    @Test
    void unauthorizedWhenTheProofIsInvalidThen401WithTheDpopChallengeAndTheErrorAsJson() {
        Response response = challenge.unauthorized(OAuthException.invalidDpopProof("the DPoP proof's htm must be GET"));
        assertEquals(401, response.getStatus());
        assertEquals("DPoP realm=\"orchestrator\", error=\"invalid_dpop_proof\", error_description=\"the DPoP proof's htm must be GET\", "
                + ALGS, response.getHeaderString("WWW-Authenticate"));
        assertEquals("no-store", response.getHeaderString("Cache-Control"));
        assertEquals("{\"error\":\"invalid_dpop_proof\",\"error_description\":\"the DPoP proof's htm must be GET\"}", response.getEntity());
    }

    @Test
    void unauthorizedWhenANonceIsNeededThenItIsInTheDpopNonceHeader() {
        Response response = challenge.unauthorized(new OAuthException(OAuthErrors.USE_DPOP_NONCE, "send the nonce", 400)
                .withHeader(DpopVerifier.NONCE_HEADER, "123.abc"));
        assertEquals(401, response.getStatus());
        assertEquals("123.abc", response.getHeaderString("DPoP-Nonce"));
        assertEquals("DPoP realm=\"orchestrator\", error=\"use_dpop_nonce\", error_description=\"send the nonce\", " + ALGS,
                response.getHeaderString("WWW-Authenticate"));
    }

    @Test
    void headerWithoutAnErrorNamesTheRealmAndTheAlgorithms() {
        assertEquals("DPoP realm=\"orchestrator\", " + ALGS, challenge.header());
    }
}
