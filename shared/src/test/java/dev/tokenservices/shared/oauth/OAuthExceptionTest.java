package dev.tokenservices.shared.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OAuthExceptionTest {

    @Test
    void descriptionsCarryNoQuotesBackslashesOrLineBreaks() {
        OAuthException e = OAuthException.invalidRequest("bad \"value\"\r\nSet-Cookie: x\\y");
        assertEquals("bad  value   Set-Cookie: x y", e.description());
        assertEquals("invalid_request", e.error());
        assertEquals(400, e.status());
    }

    @Test
    void statusFollowsTheRfc() {
        assertEquals(401, OAuthException.invalidClient("x").status());
        assertEquals(503, OAuthException.temporarilyUnavailable("x").status());
        assertEquals("invalid_target", OAuthException.invalidTarget("x").error());
        assertEquals(400, OAuthException.invalidDpopProof("x").status());
        assertEquals("invalid_dpop_proof", OAuthException.invalidDpopProof("x").error());
    }

    @Test
    void headersAndMembersAreKeptTogether() {
        OAuthException e = new OAuthException(OAuthErrors.USE_DPOP_NONCE, "send the nonce", 400)
                .withHeader("DPoP-Nonce", "n1").withMember("extra", "true");
        assertEquals(java.util.Map.of("DPoP-Nonce", "n1"), e.headers());
        assertEquals(java.util.Map.of("extra", "true"), e.members());
        assertEquals("send the nonce", e.description());
    }

    @Test
    void longDescriptionsAreCut() {
        assertEquals(300, OAuthException.invalidRequest("x".repeat(5000)).description().length());
    }
}
