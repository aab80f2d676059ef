package dev.tokenservices.shared.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tokenservices.shared.http.MalformedRequests.Refusal;
import org.junit.jupiter.api.Test;

class MalformedRequestsTest {

    @Test
    void wellFormedTargetsGoOn() {
        assertNull(MalformedRequests.checkTarget("/token"));
        assertNull(MalformedRequests.checkTarget("/authorize?redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=openid+profile"));
        assertNull(MalformedRequests.checkTarget("/device?user_code=%00%ff%C3%A9"));
        assertNull(MalformedRequests.checkTarget("/" + "a".repeat(MalformedRequests.MAX_TARGET_LENGTH - 1)));
    }

    @Test
    void aPercentWithoutTwoHexDigitsIsBadEncoding() {
        for (String target : new String[] {"/jwks?x=%zz", "/jwks?x=%4", "/jwks?x=%", "/jw%zzks", "/jwks?%g0=1", "/a?x=%41%4"}) {
            assertEquals(Refusal.BAD_ENCODING, MalformedRequests.checkTarget(target), target);
        }
    }

    @Test
    void aCharacterThatMustBeEncodedIsRefused() {
        for (String target : new String[] {"/jwks?x=\"", "/jwks?x=|", "/jwks?x={}", "/a#b#c", "/a\\b"}) {
            assertEquals(Refusal.BAD_CHARACTER, MalformedRequests.checkTarget(target), target);
        }
    }

    @Test
    void aTargetOver16KiBIsTooLong() {
        assertEquals(Refusal.TOO_LONG, MalformedRequests.checkTarget("/" + "a".repeat(MalformedRequests.MAX_TARGET_LENGTH)));
        assertEquals(414, Refusal.TOO_LONG.status());
    }
}
