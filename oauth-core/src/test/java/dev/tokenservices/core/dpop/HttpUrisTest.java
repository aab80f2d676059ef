package dev.tokenservices.core.dpop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpUrisTest {

    private static String normalized(String uri) {
        return HttpUris.normalize(uri).orElseThrow(() -> new AssertionError(uri + " has no normal form"));
    }

    @Test
    void normalizeWhenCaseOrDefaultPortDifferThenTheSameForm() {
        assertEquals("https://as.example/token", normalized("HTTPS://AS.Example:443/token"));
        assertEquals("http://localhost/token", normalized("http://localhost:80/token"));
        assertEquals("http://localhost:8081/token", normalized("http://LOCALHOST:8081/token"));
    }

    @Test
    void normalizeWhenQueryOrFragmentThenTheyAreLeftOut() {
        assertEquals("https://as.example/token", normalized("https://as.example/token?x=1#frag"));
    }

    @Test
    void normalizeWhenPathIsEmptyThenSlash() {
        assertEquals("https://as.example/", normalized("https://as.example"));
    }

    @Test
    void normalizeWhenPercentEncodingsOrDotSegmentsThenRfc3986Section6() {
        assertEquals("https://as.example/~a/%2F", normalized("https://as.example/%7ea/%2f"));
        assertEquals("https://as.example/token", normalized("https://as.example/a/./b/../../token"));
        assertEquals("https://as.example/token", normalized("https://as.example/../token"));
        assertEquals("https://as.example/a/", normalized("https://as.example/a/b/.."));
    }

    @Test
    void normalizeWhenPathCaseDiffersThenItStaysDifferent() {
        assertEquals("https://as.example/Token", normalized("https://as.example/Token"));
    }

    @Test
    void normalizeWhenNotAnAbsoluteHttpUriWithAHostThenNone() {
        for (String uri : new String[] {"/token", "ftp://as.example/token", "https://user@as.example/token", "https:///token",
                "https://as.example/a b", "mailto:a@b", "https://as.example:99999999999/"}) {
            assertTrue(HttpUris.normalize(uri).isEmpty(), uri);
        }
        assertEquals(Optional.empty(), HttpUris.normalize(""));
    }
}
