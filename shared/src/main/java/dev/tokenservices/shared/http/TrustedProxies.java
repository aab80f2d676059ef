package dev.tokenservices.shared.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The client address that rate limits key on. It is the TCP peer, unless the peer is one of the
 * configured trusted proxies ({@code TS_TRUSTED_PROXIES}, CIDRs; none by default): then
 * {@code X-Forwarded-For} (or RFC 7239 {@code Forwarded}) is read from the right, skipping trusted
 * proxies, and the first address that is not one of them is the client. From anyone else the headers
 * are ignored, so a caller cannot choose the address it is counted under.
 */
public final class TrustedProxies {

    /** Trusts nobody: the peer address is always the client. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Cidr> ranges;

    private TrustedProxies(List<Cidr> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * @param cidrs comma- or space-separated CIDRs or single addresses (IPv4 or IPv6), e.g.
     *              {@code 10.0.0.0/8, fd00::/8}; blank for none
     * @throws IllegalArgumentException naming the entry that is not a CIDR
     */
    public static TrustedProxies parse(String cidrs) {
        if (cidrs == null || cidrs.isBlank()) {
            return NONE;
        }
        List<Cidr> ranges = new ArrayList<>();
        for (String entry : cidrs.trim().split("[,\\s]+")) {
            ranges.add(Cidr.parse(entry));
        }
        return new TrustedProxies(ranges);
    }

    /**
     * Parses a service's setting; a range that does not parse stops start-up with a message that
     * begins with {@code setting}.
     */
    public static TrustedProxies fromSetting(Optional<String> cidrs, String setting) {
        try {
            return parse(cidrs.orElse(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(setting + ": " + e.getMessage()
                    + "; expected comma-separated CIDRs or addresses, e.g. 10.0.0.0/8, fd00::/8", e);
        }
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** The client address of {@code request}: its TCP peer, or what a trusted proxy forwards. */
    public String clientAddress(HttpServerRequest request) {
        SocketAddress peer = request.remoteAddress();
        return clientAddress(peer == null ? null : peer.hostAddress(), joined(request, "X-Forwarded-For"),
                joined(request, "Forwarded"));
    }

    /** Several lines of one header are one list (RFC 9110 §5.3). */
    private static String joined(HttpServerRequest request, String name) {
        List<String> values = request.headers().getAll(name);
        return values.isEmpty() ? null : String.join(",", values);
    }

    /**
     * @param peer           the TCP peer's address (may be null when unknown)
     * @param xForwardedFor  the {@code X-Forwarded-For} header (all values joined with commas), or null
     * @param forwarded      the {@code Forwarded} header, or null
     */
    public String clientAddress(String peer, String xForwardedFor, String forwarded) {
        String client = peer == null || peer.isEmpty() ? "unknown" : normalise(peer);
        if (ranges.isEmpty() || !trusted(client)) {
            return client;
        }
        List<String> chain = xForwardedFor != null && !xForwardedFor.isBlank() ? splitXff(xForwardedFor)
                : forwarded != null && !forwarded.isBlank() ? forwardedFor(forwarded) : List.of();
        for (int i = chain.size() - 1; i >= 0; i--) {
            String hop = normalise(chain.get(i));
            if (!literal(hop)) {
                // an obfuscated or garbled hop: the last trusted proxy is the best we know
                return client;
            }
            client = hop;
            if (!trusted(hop)) {
                return hop;
            }
        }
        return client;
    }

    private boolean trusted(String address) {
        byte[] bytes = bytes(address);
        if (bytes == null) {
            return false;
        }
        for (Cidr range : ranges) {
            if (range.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> splitXff(String header) {
        List<String> out = new ArrayList<>();
        for (String part : header.split(",")) {
            out.add(part.trim());
        }
        return out;
    }

    /** RFC 7239 §4: the {@code for=} parameter of each element, in order. */
    private static List<String> forwardedFor(String header) {
        List<String> out = new ArrayList<>();
        for (String element : header.split(",")) {
            String found = "";
            for (String pair : element.split(";")) {
                String p = pair.trim();
                if (p.toLowerCase(Locale.ROOT).startsWith("for=")) {
                    found = p.substring(4).trim();
                }
            }
            out.add(found);
        }
        return out;
    }

    /** Strips quotes, brackets and a port: {@code "[2001:db8::1]:443"} → {@code 2001:db8::1}. */
    static String normalise(String value) {
        String v = value.trim();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        if (v.startsWith("[")) {
            int end = v.indexOf(']');
            return end > 0 ? v.substring(1, end) : v;
        }
        int colon = v.indexOf(':');
        if (colon > 0 && colon == v.lastIndexOf(':') && v.indexOf('.') > 0) {
            return v.substring(0, colon); // IPv4 with a port
        }
        return v;
    }

    private static boolean literal(String address) {
        return bytes(address) != null;
    }

    /** The address's bytes when it is an IP literal (never a DNS lookup), else null. */
    static byte[] bytes(String address) {
        if (address == null || address.isEmpty() || address.length() > 45) {
            return null;
        }
        boolean v4 = address.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = address.indexOf(':') >= 0 && address.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private record Cidr(byte[] network, int prefix) {

        static Cidr parse(String entry) {
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            byte[] bytes = bytes(normalise(address));
            if (bytes == null) {
                throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR range");
            }
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + entry + "' has no valid prefix length");
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0-" + bytes.length * 8);
                }
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(byte[] address) {
            byte[] candidate = address;
            if (candidate.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (candidate[full] & mask) == (network[full] & mask);
        }
    }
}
