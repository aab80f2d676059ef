package dev.tokenservices.portal.web;

import dev.tokenservices.portal.registry.DeviceClients;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Headers on every response, including the OIDC redirects and error pages: no framing
 * (clickjacking a consent button is the classic attack on this page), a CSP without inline script or
 * style, no referrer (page URLs carry user codes), and no caching of anything but the style sheet.
 *
 * <p>{@code form-action} must name the OIDC provider and the upstream IdPs behind it: submitting the
 * code form may end in a redirect to the orchestrator and from there to the IdP's login page, and
 * browsers apply {@code form-action} to every redirect that follows a submission.
 */
@ApplicationScoped
public class SecurityHeaders {

    private final Optional<String> oidcProvider;
    private final DeviceClients clients;
    /** The policy and the upstream issuers it was built from: built again when a reloaded registry names others. */
    private volatile Policy contentSecurityPolicy;

    private record Policy(List<String> upstreamIssuers, String value) {
    }

    public SecurityHeaders(@ConfigProperty(name = "quarkus.oidc.auth-server-url") Optional<String> oidcProvider, DeviceClients clients) {
        this.oidcProvider = oidcProvider;
        this.clients = clients;
    }

    /** Built at the first response, when the registry (with the upstream IdPs) has been read, and after it changed. */
    private String contentSecurityPolicy() {
        List<String> issuers = clients.upstreamIssuers();
        Policy policy = contentSecurityPolicy;
        if (policy == null || policy.upstreamIssuers() != issuers) {
            List<String> origins = new ArrayList<>();
            oidcProvider.flatMap(SecurityHeaders::origin).ifPresent(origins::add);
            issuers.forEach(issuer -> origin(issuer).filter(o -> !origins.contains(o)).ifPresent(origins::add));
            policy = new Policy(issuers, policy(origins));
            contentSecurityPolicy = policy;
        }
        return policy.value();
    }

    static String policy(List<String> formTargets) {
        StringBuilder sources = new StringBuilder();
        formTargets.forEach(o -> sources.append(' ').append(o));
        return "default-src 'self'; frame-ancestors 'none'; form-action 'self'" + sources + "; base-uri 'none'";
    }

    /** scheme://host[:port] of a URL, as a CSP source expression. */
    static Optional<String> origin(String url) {
        try {
            URI uri = URI.create(url.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return Optional.empty();
            }
            return Optional.of(uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost().toLowerCase(Locale.ROOT)
                    + (uri.getPort() >= 0 ? ":" + uri.getPort() : ""));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    void apply(HttpServerResponse response, String path) {
        MultiMap headers = response.headers();
        headers.set("X-Frame-Options", "DENY");
        headers.set("Content-Security-Policy", contentSecurityPolicy());
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("X-Content-Type-Options", "nosniff");
        if (path == null || !path.endsWith(".css")) {
            headers.set("Cache-Control", "no-store");
        }
    }

    /**
     * First on the router, before authentication: the headers are set when the response's head is
     * written, whoever writes it (a page, quarkus-oidc's login redirect, an error handler).
     */
    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            rc.addHeadersEndHandler(ignored -> {
                apply(rc.response(), rc.normalizedPath());
                // Qute's writer announces plain "text/html"; say the charset in the header too.
                if ("text/html".equalsIgnoreCase(rc.response().headers().get("Content-Type"))) {
                    rc.response().headers().set("Content-Type", "text/html;charset=UTF-8");
                }
            });
            rc.next();
        });
    }
}
