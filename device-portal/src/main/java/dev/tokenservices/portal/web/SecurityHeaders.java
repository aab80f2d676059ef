package dev.tokenservices.portal.web;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Headers on every response, including the OIDC redirects and error pages: no framing
 * (clickjacking a consent button is the classic attack on this page), a CSP without inline script or
 * style, no referrer (page URLs carry user codes), and no caching of anything but the style sheet.
 *
 * <p>{@code form-action} must name the OIDC provider: submitting the code form may end in a redirect
 * to its login page, and browsers apply {@code form-action} to the redirects that follow a submission.
 */
@ApplicationScoped
public class SecurityHeaders {

    private final String contentSecurityPolicy;

    public SecurityHeaders(@ConfigProperty(name = "quarkus.oidc.auth-server-url") Optional<String> oidcProvider) {
        this.contentSecurityPolicy = policy(oidcProvider.flatMap(SecurityHeaders::origin));
    }

    static String policy(Optional<String> providerOrigin) {
        return "default-src 'self'; frame-ancestors 'none'; form-action 'self'" + providerOrigin.map(o -> " " + o).orElse("")
                + "; base-uri 'none'";
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
        headers.set("Content-Security-Policy", contentSecurityPolicy);
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
