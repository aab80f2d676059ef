package dev.tokenservices.orchestrator.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which addresses a client's metadata may come from: public unicast only; loopback with the test switch only. */
class PublicAddressesTest {

    private static Optional<String> refusal(String literal, boolean allowLoopback) throws Exception {
        return PublicAddresses.refusal(InetAddress.getByName(literal), allowLoopback);
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, loopback", "127.255.0.9, loopback", "::1, loopback",
        "10.1.2.3, private (RFC 1918)", "172.16.0.1, private (RFC 1918)", "172.31.255.254, private (RFC 1918)",
        "192.168.1.1, private (RFC 1918)", "100.64.0.1, CGNAT", "100.127.255.255, CGNAT",
        "169.254.169.254, link-local", "fe80::1, link-local", "fd00::1, unique-local", "fc00::7, unique-local",
        "224.0.0.251, multicast", "ff02::1, multicast", "255.255.255.255, reserved", "0.0.0.0, unspecified", "::, unspecified",
        "192.0.2.10, documentation", "2001:db8::1, documentation", "198.18.0.1, benchmarking",
        "::ffff:127.0.0.1, loopback", "::ffff:10.0.0.1, private", "::127.0.0.1, carries the IPv4 address 127.0.0.1",
        "::169.254.169.254, link-local", "64:ff9b::a9fe:a9fe, carries the IPv4 address 169.254.169.254",
        "2002:7f00:1::, carries the IPv4 address 127.0.0.1", "2001:0:4136:e378::1, Teredo", "64:ff9b:1::1, NAT64"})
    void specialAddressesAreRefusedSayingWhy(String address, String reason) throws Exception {
        Optional<String> refused = refusal(address, false);
        assertTrue(refused.isPresent(), address + " was allowed");
        assertTrue(refused.get().contains(reason), refused.get());
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e", "64:ff9b::808:808", "2002:808:808::1"})
    void publicUnicastAddressesAreAllowed(String address) throws Exception {
        assertEquals(Optional.empty(), refusal(address, false), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1", "::ffff:127.0.0.1"})
    void theTestSwitchAllowsLoopbackOnly(String address) throws Exception {
        assertEquals(Optional.empty(), refusal(address, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "169.254.169.254", "fd00::1", "0.0.0.0", "::", "100.64.0.1"})
    void theTestSwitchKeepsEveryOtherSpecialAddressRefused(String address) throws Exception {
        assertTrue(refusal(address, true).isPresent(), address);
    }
}
