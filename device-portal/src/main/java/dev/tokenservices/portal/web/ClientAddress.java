package dev.tokenservices.portal.web;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * The client's IP for the per-IP wrong-code limit. Behind an ingress, enable Quarkus' forwarded-header
 * support ({@code quarkus.http.proxy.proxy-address-forwarding} with trusted proxies), or every user
 * shares the ingress's address and its limit.
 */
final class ClientAddress {

    private ClientAddress() {
    }

    static String of(HttpServerRequest request) {
        SocketAddress address = request.remoteAddress();
        return address == null || address.hostAddress() == null ? "unknown" : address.hostAddress();
    }
}
