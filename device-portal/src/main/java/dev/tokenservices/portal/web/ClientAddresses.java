package dev.tokenservices.portal.web;

import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.shared.http.TrustedProxies;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.inject.Singleton;

/**
 * The client address the wrong-code limit counts under: the TCP peer, unless the peer is a trusted
 * proxy ({@code TS_TRUSTED_PROXIES}); only then do {@code X-Forwarded-For}/{@code Forwarded} name the
 * client. A caller cannot pick the address it is counted under by sending those headers itself.
 * Quarkus' own forwarded-header support stays off, so the peer address seen here is the real one.
 */
@Singleton
public class ClientAddresses {

    private final TrustedProxies proxies;

    /** @throws IllegalStateException naming the setting when a range does not parse (stops start-up) */
    public ClientAddresses(PortalConfig config) {
        try {
            this.proxies = TrustedProxies.parse(config.trustedProxies().orElse(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("TS_TRUSTED_PROXIES (portal.trusted-proxies): " + e.getMessage()
                    + "; give CIDRs or addresses separated by commas, e.g. 10.0.0.0/8, fd00::/8", e);
        }
    }

    public String of(HttpServerRequest request) {
        SocketAddress peer = request.remoteAddress();
        return proxies.clientAddress(peer == null ? null : peer.hostAddress(), joined(request, "X-Forwarded-For"),
                joined(request, "Forwarded"));
    }

    /** Several header lines are one list (RFC 9110 §5.3). */
    private static String joined(HttpServerRequest request, String name) {
        var values = request.headers().getAll(name);
        return values.isEmpty() ? null : String.join(",", values);
    }
}
