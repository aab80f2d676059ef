package dev.tokenservices.shared.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.shared.oauth.OAuthException;
import java.util.List;
import org.junit.jupiter.api.Test;

class FormRequestTest {

    @Test
    void decodesFormEncoding() {
        FormRequest r = FormRequest.parse("application/x-www-form-urlencoded; charset=UTF-8",
                "grant_type=client_credentials&scope=a+b%20c&empty=&resource=https%3A%2F%2Fx&resource=https%3A%2F%2Fy", null,
                FormRequest.RESOURCE_INDICATORS);
        assertEquals("client_credentials", r.get("grant_type"));
        assertEquals("a b c", r.get("scope"));
        assertNull(r.get("empty"), "an empty value counts as absent");
        assertEquals(List.of("https://x", "https://y"), r.all("resource"));
    }

    @Test
    void duplicatesAreRefusedExceptForResourceAndAudience() {
        OAuthException e = assertThrows(OAuthException.class,
                () -> FormRequest.parse(FormRequest.FORM, "scope=a&scope=b", null));
        assertEquals("invalid_request", e.error());
        assertTrue(e.description().contains("scope"));
    }

    @Test
    void withoutResourceIndicatorsNothingMayRepeat() {
        assertEquals("invalid_request", assertThrows(OAuthException.class,
                () -> FormRequest.parse(FormRequest.FORM, "resource=a&resource=b", null)).error());
    }

    @Test
    void otherContentTypesAreRefused() {
        assertEquals("invalid_request", assertThrows(OAuthException.class,
                () -> FormRequest.parse("application/json", "{}", null)).error());
        assertEquals("invalid_request", assertThrows(OAuthException.class,
                () -> FormRequest.parse(null, "a=b", null)).error());
    }

    @Test
    void brokenPercentEncodingIsInvalidRequest() {
        assertEquals("invalid_request", assertThrows(OAuthException.class,
                () -> FormRequest.parse(FormRequest.FORM, "scope=%ZZ", null)).error());
        assertEquals("invalid_request", assertThrows(OAuthException.class,
                () -> FormRequest.parse(FormRequest.FORM, "scope=%", null)).error());
    }

    @Test
    void invalidUtf8IsInvalidRequestWhetherPercentEncodedOrRaw() {
        OAuthException encoded = assertThrows(OAuthException.class,
                () -> FormRequest.parse(FormRequest.FORM, "grant_type=%FF%FE", null));
        assertEquals("invalid_request", encoded.error());
        assertEquals("the request body is not valid UTF-8", encoded.description());
        // raw bytes 0xFF 0xFE, as the HTTP layer hands them over after decoding the body as UTF-8
        OAuthException raw = assertThrows(OAuthException.class,
                () -> FormRequest.parse(FormRequest.FORM, "grant_type=\uFFFD\uFFFD", null));
        assertEquals("the request body is not valid UTF-8", raw.description());
        assertEquals("é", FormRequest.parse(FormRequest.FORM, "name=%C3%A9", null).get("name"), "valid UTF-8 decodes");
    }

    @Test
    void echoedNamesArePrintableAndShort() {
        assertEquals("a?b", FormRequest.printable("a\nb"));
        assertEquals(43, FormRequest.printable("x".repeat(100)).length());
    }

    @Test
    void encodeWritesWhatTheJdkEncoderWritesAndLeavesPlainWordsAsTheyAre() {
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl-_";
        assertTrue(jwt == FormRequest.encode(jwt), "a JWT is written as it is");
        for (String value : List.of("", "a b", "a+b", "x=1&y=2", "https://app.example/cb?x=1", "Jos\u00e9", "~*", "%41", "line\nbreak")) {
            assertEquals(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8), FormRequest.encode(value), value);
        }
    }
}
