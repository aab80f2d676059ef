package dev.tokenservices.orchestrator.metadata;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.DnsClientOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The addresses a URL's host stands for, resolved once, here: the fetch then connects to the address
 * that was checked, never to whatever the name resolves to a moment later (DNS rebinding). An IP
 * literal is read as it is; a name goes to the system resolver (on a worker thread, since it blocks)
 * or, when {@code orchestrator.cimd.dns-server} is set, to that DNS server (A and AAAA).
 */
final class HostResolver {

    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    /** The characters of an IPv6 literal (an embedded IPv4 address included); anything else is a name. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    private final DnsClient dns;

    /** @param dnsServer {@code host:port}, or empty for the system resolver */
    HostResolver(Vertx vertx, Optional<String> dnsServer, Duration timeout) {
        this.dns = dnsServer.map(server -> {
            int colon = server.lastIndexOf(':');
            if (colon < 1) {
                throw new IllegalStateException("orchestrator.cimd.dns-server (ORCHESTRATOR_CIMD_DNS_SERVER) must be host:port, is " + server);
            }
            return vertx.createDnsClient(new DnsClientOptions().setHost(server.substring(0, colon))
                    .setPort(Integer.parseInt(server.substring(colon + 1))).setQueryTimeout(timeout.toMillis()));
        }).orElse(null);
    }

    /** @param host as {@link java.net.URI#getHost()} gives it: an IPv6 literal in brackets */
    Uni<List<InetAddress>> resolve(String host) {
        if (host.startsWith("[") && host.endsWith("]")) {
            return literal(host.substring(1, host.length() - 1));
        }
        if (IPV4.matcher(host).matches()) {
            return literal(host);
        }
        if (dns == null) {
            return Uni.createFrom().item(() -> system(host)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
        Uni<List<String>> v4 = Uni.createFrom().completionStage(() -> dns.resolveA(host).toCompletionStage())
                .onFailure().recoverWithItem(List.of());
        Uni<List<String>> v6 = Uni.createFrom().completionStage(() -> dns.resolveAAAA(host).toCompletionStage())
                .onFailure().recoverWithItem(List.of());
        return Uni.combine().all().unis(v4, v6).asTuple().map(both -> {
            List<InetAddress> addresses = new ArrayList<>();
            for (String a : both.getItem1()) {
                addresses.add(literalAddress(a));
            }
            for (String a : both.getItem2()) {
                addresses.add(literalAddress(a));
            }
            if (addresses.isEmpty()) {
                throw ClientMetadata.invalid("the host " + host + " does not resolve");
            }
            return addresses;
        });
    }

    private static List<InetAddress> system(String host) {
        try {
            return List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException e) {
            throw ClientMetadata.invalid("the host " + host + " does not resolve");
        }
    }

    private static Uni<List<InetAddress>> literal(String address) {
        return Uni.createFrom().item(() -> List.of(literalAddress(address)));
    }

    /**
     * An address written as digits, read without asking any resolver: IPv4 octet by octet, IPv6 by
     * {@link InetAddress#getByName}, which reads a string with a colon as a literal or refuses it.
     */
    private static InetAddress literalAddress(String address) {
        try {
            if (IPV4.matcher(address).matches()) {
                String[] octets = address.split("\\.");
                byte[] bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(octets[i]);
                    if (octet > 255) {
                        throw ClientMetadata.invalid("'" + address + "' is not an IP address");
                    }
                    bytes[i] = (byte) octet;
                }
                return InetAddress.getByAddress(bytes);
            }
            if (address.contains(":") && IPV6.matcher(address).matches()) {
                return InetAddress.getByName(address);
            }
        } catch (UnknownHostException e) {
            // not an address: said below
        }
        throw ClientMetadata.invalid("'" + address + "' is not an IP address");
    }
}
