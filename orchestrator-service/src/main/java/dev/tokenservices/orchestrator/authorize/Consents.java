package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.metadata.MetadataDocuments;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.orchestrator.web.Pages;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.oauth.FormRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The user's consent to a client no operator vetted: one named by its Client ID Metadata Document, or
 * registered at /register. Before its sign-in goes on, the person sees who is asking (its
 * {@code client_name}, the host that publishes its document, the host the browser will be sent back to,
 * the scopes) and continues or cancels; cancelling sends {@code access_denied} back to the client.
 *
 * <p>The page's forms carry a CSRF token, an HMAC (under a key derived from the master key) of a random
 * value in an HttpOnly cookie of this browser ({@value #CSRF_COOKIE}, sent to /authorize and its consent form only):
 * another site cannot make the browser consent. Consent given is a cookie of this browser too
 * ({@value #COOKIE}, sent to /authorize only): an HMAC over the client, its redirect URI and an expiry
 * {@value #LIFETIME_MINUTES} minutes ahead; within that time the same client is not asked again
 * in this browser. Nothing is stored on the server.
 */
@ApplicationScoped
public class Consents {

    static final String COOKIE = "orch_consent";
    static final String CSRF_COOKIE = "orch_consent_csrf";
    static final String PATH = "/authorize/consent";
    static final int LIFETIME_MINUTES = 10;
    /** The form's own fields, left out when the authorization request is repeated. */
    static final String CSRF = "csrf";
    static final String DECISION = "decision";

    private final Clients clients;
    private final RecordSeal seal;
    private final Pages pages;
    private final Clock clock;
    private final boolean secure;

    public Consents(Clients clients, KeyEncryption masterKey, Pages pages, Clock clock, OrchestratorConfig config) {
        this.clients = clients;
        this.seal = masterKey.recordSeal("orchestrator consent");
        this.pages = pages;
        this.clock = clock;
        this.secure = config.issuer().startsWith("https://");
    }

    /** Whether this request must wait for the user's consent: the client is not vetted and this browser has not consented lately. */
    public boolean needed(AuthorizationRequests.Target target, String consentCookie) {
        return !clients.vetted(target.client().clientId()) && !given(consentCookie, target);
    }

    private boolean given(String cookie, AuthorizationRequests.Target target) {
        if (cookie == null) {
            return false;
        }
        int dot = cookie.indexOf('.');
        if (dot < 1) {
            return false;
        }
        String expiry = cookie.substring(0, dot);
        if (!expiry.chars().allMatch(Character::isDigit) || expiry.length() > 12
                || Long.parseLong(expiry) <= clock.instant().getEpochSecond()) {
            return false;
        }
        return seal.verify(approved(expiry, target), cookie.substring(dot + 1));
    }

    /** The consent cookie for this client and redirect URI. */
    NewCookie approval(AuthorizationRequests.Target target) {
        String expiry = Long.toString(clock.instant().plus(Duration.ofMinutes(LIFETIME_MINUTES)).getEpochSecond());
        return cookie(COOKIE, expiry + "." + seal.mac(approved(expiry, target)), "/authorize", LIFETIME_MINUTES * 60);
    }

    private static String approved(String expiry, AuthorizationRequests.Target target) {
        return "consent|" + expiry + "|" + Hashes.sha256Hex(target.client().clientId() + "\n" + target.redirectUri());
    }

    boolean csrfValid(String cookie, String token) {
        return cookie != null && token != null && seal.verify("csrf|" + cookie, token);
    }

    /**
     * The consent page for {@code request}, its forms repeating the authorization request.
     *
     * @param repeated   the parameters that repeat it: a pushed request's {@code client_id} and new
     *                   {@code request_uri}, else the request's own parameters
     * @param csrfCookie this browser's CSRF cookie, kept when it has one (so two tabs can consent at once)
     */
    Response page(AuthorizationRequests.Target target, AuthorizationRequest request, Map<String, List<String>> repeated,
            String csrfCookie) {
        String browser = csrfCookie != null && csrfCookie.length() == 43 ? csrfCookie : Secrets.random();
        List<Pages.Field> fields = new ArrayList<>();
        repeated.forEach((name, values) -> values.forEach(v -> fields.add(new Pages.Field(name, v))));
        fields.add(new Pages.Field(CSRF, seal.mac("csrf|" + browser)));
        String clientId = target.client().clientId();
        String publisher = MetadataDocuments.isUrl(clientId) ? MetadataDocuments.host(clientId) : null;
        String returnsTo = host(target.redirectUri());
        Pages.Consent consent = new Pages.Consent(target.client().clientName(), publisher, returnsTo,
                publisher != null && !publisher.equals(returnsTo), String.join(" ", request.scopes()), PATH, fields);
        return Response.fromResponse(pages.consent(consent)).cookie(cookie(CSRF_COOKIE, browser, "/authorize", LIFETIME_MINUTES * 60)).build();
    }

    /** The parameters of the authorization request the consent form repeats: the form's own fields left out. */
    static Map<String, List<String>> repeated(FormRequest form) {
        Map<String, List<String>> repeated = new LinkedHashMap<>(form.parameters());
        repeated.keySet().removeAll(List.of(CSRF, DECISION));
        return repeated;
    }

    private NewCookie cookie(String name, String value, String path, int maxAge) {
        return new NewCookie.Builder(name).value(value).path(path).maxAge(maxAge).httpOnly(true).secure(secure)
                .sameSite(NewCookie.SameSite.LAX).build();
    }

    private static String host(String uri) {
        try {
            String host = new URI(uri).getHost();
            return host == null ? uri : host.toLowerCase(Locale.ROOT);
        } catch (URISyntaxException e) {
            return uri;
        }
    }
}
