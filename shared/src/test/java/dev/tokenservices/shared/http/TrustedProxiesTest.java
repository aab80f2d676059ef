package dev.tokenservices.shared.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private final TrustedProxies ingress = TrustedProxies.parse("10.0.0.0/8, fd00::/8");

    @Test
    void withoutTrustedProxiesForwardedHeadersAreIgnored() {
        assertTrue(TrustedProxies.parse("").isEmpty());
        assertEquals("203.0.113.9", TrustedProxies.NONE.clientAddress("203.0.113.9", "1.2.3.4", "for=5.6.7.8"));
    }

    @Test
    void aSpoofedHeaderFromAnUntrustedPeerChangesNothing() {
        assertEquals("203.0.113.9", ingress.clientAddress("203.0.113.9", "198.51.100.1", null));
    }

    @Test
    void fromATrustedProxyTheRightmostUntrustedHopIsTheClient() {
        // the client prepended a forged entry; the ingress appended the real peer
        assertEquals("198.51.100.7", ingress.clientAddress("10.1.2.3", "6.6.6.6, 198.51.100.7", null));
        assertEquals("198.51.100.7", ingress.clientAddress("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.9.9.9", null));
    }

    @Test
    void rfc7239ForwardedIsReadWhenThereIsNoXForwardedFor() {
        assertEquals("2001:db8::5", ingress.clientAddress("fd00::1", null, "for=\"[2001:db8::5]:4711\";proto=https"));
        assertEquals("192.0.2.60", ingress.clientAddress("10.0.0.2", null, "for=192.0.2.60;proto=http;by=203.0.113.43"));
    }

    @Test
    void aGarbledHopStopsAtTheLastTrustedProxy() {
        assertEquals("10.1.2.3", ingress.clientAddress("10.1.2.3", "evil.example", null));
        assertEquals("10.1.2.3", ingress.clientAddress("10.1.2.3", null, "for=_hidden"));
    }

    @Test
    void aWrongRangeIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("10.0.0.0/33"));
        assertTrue(e.getMessage().contains("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("ingress.local"));
    }
}
