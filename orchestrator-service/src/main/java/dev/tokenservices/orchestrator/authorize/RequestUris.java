package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.PushedRequests;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.orchestrator.web.WayBack;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Pushed requests (RFC 9126) on their way through the browser: a {@code request_uri} the browser
 * brings (to /authorize or to its consent form) is taken once, an error page when it is unknown,
 * expired, used or another client's; and a pushed request the browser must carry again (the IdP
 * chooser's links, the consent page's forms) is pushed again under a new single-use
 * {@code request_uri}, so that its parameters never appear in a URL or a page.
 */
@ApplicationScoped
public class RequestUris {

    private final PushedRequests pushedRequests;
    private final Clients clients;

    public RequestUris(PushedRequests pushedRequests, Clients clients) {
        this.pushedRequests = pushedRequests;
        this.clients = clients;
    }

    /** The pushed request, removed from the store: only {@code clientId}, the client that pushed it, finds it. */
    public Uni<PushedRequests.Pushed> take(String clientId, String requestUri) {
        if (clientId == null) {
            throw PageException.badRequest("The request names no client (client_id is missing).");
        }
        return pushedRequests.take(clientId, requestUri)
                .onFailure(OAuthException.class).transform(e -> PageException.unavailable(((OAuthException) e).description()))
                .map(found -> found.orElseThrow(() -> PageException.badRequest("This sign-in request (request_uri) is unknown, has "
                        + "expired, was already used or belongs to another application: start again from the application.",
                        clients.client(clientId).flatMap(c -> WayBack.of(c, null)).orElse(null))));
    }

    /** @return the parameters that stand for {@code parameters} pushed again: {@code client_id} and a new {@code request_uri} */
    public Uni<Map<String, List<String>>> pushAgain(String clientId, Map<String, List<String>> parameters) {
        return pushedRequests.push(new PushedRequests.Pushed(clientId, parameters)).map(uri -> {
            Map<String, List<String>> standIn = new LinkedHashMap<>();
            standIn.put("client_id", List.of(clientId));
            standIn.put("request_uri", List.of(uri));
            return standIn;
        });
    }

    /** {@code /authorize} with these parameters as its query. */
    public static String authorizeUrl(Map<String, List<String>> parameters) {
        StringJoiner query = new StringJoiner("&", "/authorize?", "");
        parameters.forEach((name, values) -> values.forEach(v -> query.add(Redirects.encode(name) + "=" + Redirects.encode(v))));
        return query.toString();
    }
}
