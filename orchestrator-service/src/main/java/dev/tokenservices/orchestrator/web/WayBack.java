package dev.tokenservices.orchestrator.web;

import dev.tokenservices.shared.registry.ClientEntry;
import io.quarkus.qute.TemplateData;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The link an error page offers back to the application the person came from: the site (origin) of
 * one of the client's registered redirect URIs, named by its {@code client_name}. Built from the
 * registry only, never from a request parameter: an attacker chooses the parameters, so an error
 * page must not become a link to wherever he likes (an open redirect in all but name).
 *
 * @param name what the link says: the client's name, or its id
 * @param url  {@code scheme://host[:port]/} of a registered redirect URI
 */
@TemplateData
public record WayBack(String name, String url) {

    /**
     * @param redirectUri a redirect URI the request named: used when it is one of the client's
     *                    registered ones (exact string), else the first registered one is
     * @return nothing when the client has no http(s) redirect URI (a native app's custom scheme
     *         is no page to go back to)
     */
    public static Optional<WayBack> of(ClientEntry client, String redirectUri) {
        return of(client.clientName() != null ? client.clientName() : client.clientId(), client.redirectUris(), redirectUri);
    }

    static Optional<WayBack> of(String name, List<String> registeredUris, String redirectUri) {
        String registered = redirectUri != null && registeredUris.contains(redirectUri) ? redirectUri
                : registeredUris.isEmpty() ? null : registeredUris.get(0);
        return origin(registered).map(url -> new WayBack(name, url));
    }

    static Optional<String> origin(String uri) {
        if (uri == null) {
            return Optional.empty();
        }
        try {
            URI parsed = new URI(uri);
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || parsed.getHost() == null || parsed.getRawUserInfo() != null) {
                return Optional.empty();
            }
            return Optional.of(scheme + "://" + parsed.getHost().toLowerCase(Locale.ROOT)
                    + (parsed.getPort() >= 0 ? ":" + parsed.getPort() : "") + "/");
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
