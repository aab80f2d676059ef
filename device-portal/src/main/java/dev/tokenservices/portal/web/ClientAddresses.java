package dev.tokenservices.portal.web;

import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.shared.http.TrustedProxies;
import io.vertx.core.http.HttpServerRequest;
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
        this.proxies = TrustedProxies.fromSetting(config.trustedProxies(), "TS_TRUSTED_PROXIES (portal.trusted-proxies)");
    }

    public String of(HttpServerRequest request) {
        return proxies.clientAddress(request);
    }
}
