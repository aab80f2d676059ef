package dev.tokenservices.core.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

class OAuthExceptionMapperTest {

    private final OAuthExceptionMapper mapper = new OAuthExceptionMapper("ts");

    @Test
    void oauthWhenTheErrorCarriesHeadersAndMembersThenBothAreWritten() {
        Response response = mapper.oauth(new OAuthException(OAuthErrors.USE_DPOP_NONCE, "send the nonce", 400)
                .withHeader("DPoP-Nonce", "n1").withMember("extra", "true"));
        assertEquals(400, response.getStatus());
        assertEquals("n1", response.getHeaderString("DPoP-Nonce"));
        assertEquals("no-store", response.getHeaderString("Cache-Control"));
        assertNull(response.getHeaderString("WWW-Authenticate"));
        assertEquals("{\"error\":\"use_dpop_nonce\",\"error_description\":\"send the nonce\",\"extra\":true}", response.getEntity());
    }

    @Test
    void oauthWhenInvalidClientThen401WithBasicChallenge() {
        Response response = mapper.oauth(OAuthException.invalidClient("no"));
        assertEquals(401, response.getStatus());
        assertEquals("Basic realm=\"ts\", error=\"invalid_client\"", response.getHeaderString("WWW-Authenticate"));
    }
}
