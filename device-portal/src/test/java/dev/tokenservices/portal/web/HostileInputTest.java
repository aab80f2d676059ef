package dev.tokenservices.portal.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.portal.support.PortalBrowser;
import dev.tokenservices.portal.support.RawHttp;
import dev.tokenservices.portal.support.RawHttp.Answer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Finding 12 at the portal: over-long and malformed user codes get the code page saying the code is
 * not valid, or a readable 413 page; never a 5xx ("Response has already been written") nor an empty
 * body. Sent byte for byte, as a hostile client would.
 */
@QuarkusTest
class HostileInputTest {

    private static final String FORM = "application/x-www-form-urlencoded";

    @TestHTTPResource("/")
    URL portal;

    private record Session(String address, String cookie, String csrf) {
    }

    private static Session session() {
        PortalBrowser browser = new PortalBrowser();
        String csrf = browser.csrf();
        return new Session(browser.address(), "portal_csrf=" + browser.cookies().get("portal_csrf"), csrf);
    }

    private Answer postCode(Session session, byte[] encodedCode) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("csrf=" + session.csrf() + "&user_code=").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(encodedCode);
        return RawHttp.post(session.address(), portal.getPort(), "/device", FORM, session.cookie(), body.toByteArray());
    }

    private static void assertCodePageSaysNotValid(Answer answer) {
        assertEquals(200, answer.status(), answer.body());
        assertTrue(answer.headers().get("content-type").startsWith("text/html"), answer.headers().toString());
        assertTrue(answer.body().contains("That code is not valid"), answer.body());
        assertTrue(answer.body().contains("name=\"user_code\""), "the form again, to try once more");
    }

    @Test
    void aTwentyThousandCharacterCodeIsNotAValidCode() throws IOException {
        Answer answer = postCode(session(), "B".repeat(20_000).getBytes(StandardCharsets.US_ASCII));
        assertCodePageSaysNotValid(answer);
        assertFalse(answer.body().contains("B".repeat(65)), "the field is given back cut to a sane length");
    }

    @Test
    void aCodeJustUnderTheBodyLimitIsNotAValidCodeEither() throws IOException {
        assertCodePageSaysNotValid(postCode(session(), "b".repeat(60_000).getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aSeventyThousandByteBodyIsAReadable413Page() throws IOException {
        Answer answer = postCode(session(), "B".repeat(70_000).getBytes(StandardCharsets.US_ASCII));
        assertEquals(413, answer.status(), answer.body());
        assertTrue(answer.headers().get("content-type").startsWith("text/html"), answer.headers().toString());
        assertTrue(answer.body().contains("<h1>"), "a page, not an empty body: " + answer.body());
        assertEquals("DENY", answer.headers().get("x-frame-options"));
    }

    @Test
    void aChunkedBodyIsAReadable411PageWhateverItsSize() throws IOException {
        Session session = session();
        byte[] body = ("csrf=" + session.csrf() + "&user_code=" + "B".repeat(70_000)).getBytes(StandardCharsets.US_ASCII);
        Answer answer = RawHttp.postChunked(session.address(), portal.getPort(), "/device", FORM, session.cookie(), body);
        assertEquals(411, answer.status(), answer.body());
        assertTrue(answer.headers().get("content-type").startsWith("text/html"), answer.headers().toString());
        assertTrue(answer.body().contains("<h1>"), "a page, not an empty body: " + answer.body());
    }

    @Test
    void controlCharactersAndNulAreNotAValidCode() throws IOException {
        Session session = session();
        for (String encoded : new String[] {"BCDF%00GHJK", "BCDF-GHJK%00", "%07%08%1B%7F", "BCDF%0D%0AGHJK", "%00".repeat(5000)}) {
            Answer answer = postCode(session, encoded.getBytes(StandardCharsets.US_ASCII));
            assertCodePageSaysNotValid(answer);
            assertFalse(answer.body().contains("\u0000") || answer.body().contains("\u001b") || answer.body().contains("\u0007"),
                    "no control character is echoed: " + encoded);
        }
    }

    @Test
    void invalidUtf8AndBrokenPercentEncodingAreNotAServerError() throws IOException {
        Session session = session();
        byte[][] codes = {
            {(byte) 0xFF, (byte) 0xFE, 'B', 'C'},             // bytes that are never UTF-8
            "%C3%28%A0%A1".getBytes(StandardCharsets.US_ASCII), // percent-encoded invalid UTF-8
            {'B', 'C', (byte) 0xC3},                          // a truncated sequence
            "BCDF%ZZGHJK".getBytes(StandardCharsets.US_ASCII),  // broken percent-encoding
            "%".getBytes(StandardCharsets.US_ASCII),
        };
        for (byte[] code : codes) {
            Answer answer = postCode(session, code);
            assertTrue(answer.status() == 200 || answer.status() == 400, answer.status() + " " + answer.body());
            assertTrue(answer.headers().get("content-type").startsWith("text/html"), answer.headers().toString());
            assertTrue(answer.body().contains("<h1>"), "a page, not an empty body: " + answer.body());
        }
    }
}
