package dev.tokenservices.orchestrator.metadata;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The addresses a client's metadata may be fetched from: public unicast ones only (the IANA IPv4 and
 * IPv6 Special-Purpose Address Registries, RFC 6890). A fetch is a request the orchestrator makes on
 * a stranger's behalf; this is what keeps it from reaching the orchestrator's own network (RFC 1918,
 * CGNAT, unique-local), the host itself (loopback, unspecified), a cloud's metadata service
 * (link-local 169.254.169.254) or many hosts at once (multicast, broadcast). IPv6 addresses that
 * carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by the IPv4 address they carry.
 */
final class PublicAddresses {

    static final String LOOPBACK = "loopback";

    private record Block(byte[] prefix, int bits, String kind) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[whole] & mask) == (prefix[whole] & mask);
        }
    }

    private static final List<Block> BLOCKS = List.of(
            block("0.0.0.0", 8, "unspecified (this network)"),
            block("10.0.0.0", 8, "private (RFC 1918)"),
            block("100.64.0.0", 10, "shared address space (CGNAT, RFC 6598)"),
            block("127.0.0.0", 8, LOOPBACK),
            block("169.254.0.0", 16, "link-local"),
            block("172.16.0.0", 12, "private (RFC 1918)"),
            block("192.0.0.0", 24, "reserved for IETF protocol assignments"),
            block("192.0.2.0", 24, "reserved for documentation"),
            block("192.88.99.0", 24, "6to4 relay anycast"),
            block("192.168.0.0", 16, "private (RFC 1918)"),
            block("198.18.0.0", 15, "reserved for benchmarking"),
            block("198.51.100.0", 24, "reserved for documentation"),
            block("203.0.113.0", 24, "reserved for documentation"),
            block("224.0.0.0", 4, "multicast"),
            block("240.0.0.0", 4, "reserved (broadcast included)"),
            block("::", 128, "unspecified"),
            block("::1", 128, LOOPBACK),
            block("64:ff9b:1::", 48, "local-use NAT64"),
            block("100::", 64, "discard-only"),
            block("2001::", 23, "reserved for IETF protocol assignments (Teredo included)"),
            block("2001:db8::", 32, "reserved for documentation"),
            block("fc00::", 7, "unique-local"),
            block("fe80::", 10, "link-local"),
            block("fec0::", 10, "site-local"),
            block("ff00::", 8, "multicast"));

    /** IPv6 ranges whose last (or, for 6to4, second to fifth) bytes are an IPv4 address. */
    private static final Block MAPPED = new Block(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0}, 96,
            "IPv4-mapped"); // written out: Java reads the literal ::ffff:0:0 as the IPv4 address 0.0.0.0
    private static final Block COMPATIBLE = block("::", 96, "IPv4-compatible");
    private static final Block NAT64 = block("64:ff9b::", 96, "NAT64");
    private static final Block SIX_TO_FOUR = block("2002::", 16, "6to4");

    private PublicAddresses() {
    }

    /**
     * Why {@code address} may not be fetched from, or empty when it is a public unicast address.
     *
     * @param allowLoopback loopback addresses are allowed ({@code ORCHESTRATOR_CIMD_ALLOW_LOOPBACK}, tests)
     */
    static Optional<String> refusal(InetAddress address, boolean allowLoopback) {
        byte[] bytes = address.getAddress();
        Optional<Block> direct = special(bytes);
        if (direct.isPresent()) {
            return verdict(direct.get(), address.getHostAddress() + " is a " + direct.get().kind() + " address", allowLoopback);
        }
        byte[] embedded = embeddedIpv4(bytes);
        if (embedded == null) {
            return Optional.empty();
        }
        return special(embedded).flatMap(block -> verdict(block, address.getHostAddress() + " carries the IPv4 address " + text(embedded)
                + ", a " + block.kind() + " address", allowLoopback));
    }

    private static Optional<Block> special(byte[] address) {
        return BLOCKS.stream().filter(b -> b.contains(address)).findFirst();
    }

    private static Optional<String> verdict(Block block, String reason, boolean allowLoopback) {
        return allowLoopback && block.kind().equals(LOOPBACK) ? Optional.empty() : Optional.of(reason);
    }

    /** The IPv4 address an IPv6 address carries (its own special ranges, :: and ::1, are judged before). */
    private static byte[] embeddedIpv4(byte[] address) {
        if (address.length != 16) {
            return null;
        }
        if (SIX_TO_FOUR.contains(address)) {
            return Arrays.copyOfRange(address, 2, 6);
        }
        if (MAPPED.contains(address) || NAT64.contains(address) || COMPATIBLE.contains(address)) {
            return Arrays.copyOfRange(address, 12, 16);
        }
        return null;
    }

    private static String text(byte[] ipv4) {
        try {
            return Inet4Address.getByAddress(ipv4).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Block block(String address, int bits, String kind) {
        try {
            // literals only: no name is ever resolved here
            return new Block(InetAddress.getByName(address).getAddress(), bits, kind);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
