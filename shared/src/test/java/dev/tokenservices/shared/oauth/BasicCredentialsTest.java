package dev.tokenservices.shared.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BasicCredentialsTest {

    @Test
    void theHeaderIsTheFormEncodedPairInBase64AndReadsBack() {
        assertEquals("Basic " + Base64.getEncoder().encodeToString("app:s3cret".getBytes(StandardCharsets.UTF_8)),
                new BasicCredentials("app", "s3cret").header());
        // RFC 6749 §2.3.1: a ':' in the id, or '+', '%', spaces and non-ASCII in either, survive only form-encoded
        BasicCredentials awkward = new BasicCredentials("urn:app:1", "a+b c%d:é");
        String header = awkward.header();
        assertEquals("Basic " + Base64.getEncoder().encodeToString("urn%3Aapp%3A1:a%2Bb+c%25d%3A%C3%A9".getBytes(StandardCharsets.UTF_8)),
                header);
        assertEquals(awkward, BasicCredentials.parse(header.substring("Basic ".length())));
    }

    @Test
    void whatIsNoPairIsAnInvalidClient() {
        for (String encoded : new String[] {"not base64!", Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)),
                Base64.getEncoder().encodeToString(":secret".getBytes(StandardCharsets.UTF_8))}) {
            assertEquals(OAuthErrors.INVALID_CLIENT, assertThrows(OAuthException.class, () -> BasicCredentials.parse(encoded)).error());
        }
    }

    @Test
    void aFormBodyKeepsItsOrderAndEncodesWhatNeedsIt() {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("redirect_uri", "https://app.example/cb?x=1&y=2");
        form.put("code", "abc-DEF_123.4");
        assertEquals("grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1%26y%3D2&code=abc-DEF_123.4",
                FormRequest.body(form));
        assertEquals("", FormRequest.body(Map.of()));
    }
}
