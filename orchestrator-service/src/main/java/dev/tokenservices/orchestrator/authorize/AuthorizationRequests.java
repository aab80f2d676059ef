package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.JwkThumbprints;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.logout.IdTokenHints;
import dev.tokenservices.orchestrator.metadata.ClientMetadataException;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.registry.ResourceIndicators;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.orchestrator.web.WayBack;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates an authorization request (OIDC Core §3.1.2.2) in two stages. First the client and its
 * redirect URI, compared byte for byte with the registered ones (RFC 9700 §4.1.3: no prefix, case,
 * path or port leniency); failing either is an error page, never a redirect. Then everything else,
 * whose errors go back to that redirect URI.
 */
@ApplicationScoped
public class AuthorizationRequests {

    /** RFC 7636 §4.2: 43–128 characters of the unreserved set. */
    private static final Pattern CODE_CHALLENGE = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");
    private static final Set<String> PROMPTS = Set.of("none", "login", "consent", "select_account");
    /** OIDC Core §3.1.2.1 {@code display} values. */
    private static final List<String> DISPLAYS = List.of("page", "popup", "touch", "wap");
    private static final Pattern MAX_AGE = Pattern.compile("[0-9]{1,10}");
    /** Language tags (BCP 47 letters, digits and hyphens), space-separated. */
    private static final Pattern UI_LOCALES = Pattern.compile("[A-Za-z0-9]+(-[A-Za-z0-9]+)*( [A-Za-z0-9]+(-[A-Za-z0-9]+)*)*");
    /** Space-separated printable ASCII values. */
    private static final Pattern ACR_VALUES = Pattern.compile("[\\x21-\\x7E]+( [\\x21-\\x7E]+)*");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");
    private static final int MAX_VALUE = 1024;
    /** Values passed upstream are kept short: they travel in the login cookie and in the upstream URL. */
    private static final int MAX_HINT = 256;
    private static final int MAX_ID_TOKEN_HINT = 8192;

    /** Parameters an authorization request may carry more than once: RFC 8707 §2 {@code resource}. */
    public static final Set<String> REPEATABLE = Set.of("resource");

    private final Clients clients;
    private final IdTokenHints hints;
    private final ResourceIndicators resources;
    private final boolean parRequired;

    public AuthorizationRequests(Clients clients, IdTokenHints hints, ResourceIndicators resources, OrchestratorConfig config) {
        this.clients = clients;
        this.hints = hints;
        this.resources = resources;
        this.parRequired = config.par().required();
    }

    /** Stage one: the client and where answers may be sent. */
    public record Target(ClientEntry client, String redirectUri, String state) {
    }

    /**
     * The client (wherever {@link Clients#find} finds it) and its redirect URI; an error page when either
     * is not what the client registered or published: 400, or 503 while the client cannot be looked up.
     */
    public Uni<Target> target(FormRequest params) {
        String clientId = params.get("client_id");
        if (clientId == null) {
            throw PageException.badRequest("The request names no client (client_id is missing).");
        }
        return clients.find(clientId)
                .onFailure(ClientMetadataException.class).transform(e -> PageException.badRequest("The application '"
                        + FormRequest.printable(clientId) + "' cannot sign in here: its metadata document cannot be used: " + e.getMessage() + "."))
                .onFailure(OAuthException.class).transform(e -> PageException.unavailable(((OAuthException) e).description()))
                .map(found -> target(clientId, found.map(RegisteredClient::entry).orElseThrow(() -> PageException.badRequest(
                        "The application '" + FormRequest.printable(clientId) + "' is not registered here.")), params));
    }

    private static Target target(String clientId, ClientEntry client, FormRequest params) {
        // from here the client is known: its error pages link back to it, to a registered address only
        String redirectUri = params.get("redirect_uri");
        if (redirectUri == null) {
            throw PageException.badRequest("The request has no redirect_uri.", WayBack.of(client, null).orElse(null));
        }
        // exact string comparison, nothing normalised
        if (!client.redirectUris().contains(redirectUri)) {
            throw PageException.badRequest("The redirect_uri is not registered for the application '" + FormRequest.printable(clientId) + "'.",
                    WayBack.of(client, null).orElse(null));
        }
        String state = params.get("state");
        if (state != null && state.length() > MAX_VALUE) {
            throw PageException.badRequest("The state parameter is longer than " + MAX_VALUE + " characters.",
                    WayBack.of(client, redirectUri).orElse(null));
        }
        return new Target(client, redirectUri, state);
    }

    /**
     * Stage two: the rest of the request, in the order of OIDC Core §3.1.2.6's errors: whether the
     * request had to be pushed (RFC 9126 §5), request objects, response_type, the client's grant,
     * scope and {@code resource} (RFC 8707), then {@code prompt}, the parameters passed upstream and
     * {@code dpop_jkt} (RFC 9449 §10).
     * Errors are {@link AuthorizeError}s for the redirect URI. The code's protection (PKCE or nonce)
     * is checked later, by {@link #checkCodeProtection}, once {@code prompt=none} has had its answer.
     *
     * @param pushed whether the parameters come from /par (pushed now, or by the {@code request_uri} in use)
     */
    public AuthorizationRequest validate(Target target, FormRequest params, boolean pushed) {
        ClientEntry client = target.client();
        if (!pushed && (parRequired || client.requirePushedAuthorizationRequests())) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "this client must push its authorization requests to "
                    + "the pushed authorization request endpoint (/par) and send the request_uri it answers (RFC 9126)");
        }
        // RFC 9101 is not implemented: said so exactly (OIDC Core §3.1.2.6)
        if (params.get("request") != null) {
            throw new AuthorizeError("request_not_supported", "request objects are not supported");
        }
        if (params.get("request_uri") != null) {
            throw new AuthorizeError("request_uri_not_supported", "request_uri is not supported");
        }
        String responseType = params.get("response_type");
        if (responseType == null) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "response_type is required");
        }
        if (!"code".equals(responseType)) {
            throw new AuthorizeError("unsupported_response_type", "only response_type=code is supported");
        }
        String responseMode = params.get("response_mode");
        if (responseMode != null && !"query".equals(responseMode)) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "only response_mode=query is supported");
        }
        if (!client.allowsGrant(GrantTypes.AUTHORIZATION_CODE)) {
            throw new AuthorizeError(OAuthErrors.UNAUTHORIZED_CLIENT, "this client may not use the authorization code flow");
        }
        String scope = params.get("scope");
        List<String> requested = scope == null ? List.of() : List.of(scope.trim().split(" +"));
        if (!requested.contains("openid")) {
            throw new AuthorizeError(OAuthErrors.INVALID_SCOPE, "the scope must include openid");
        }
        // scopes beyond the client's allowance are dropped (OIDC Core §3.1.2.1: unknown scopes are ignored)
        Set<String> allowed = new LinkedHashSet<>();
        for (String s : requested) {
            if (s.equals("openid") || client.scope().contains(s)) {
                allowed.add(s);
            }
        }
        List<String> named;
        List<String> scopes;
        try {
            named = resources.requested(params.all("resource"), client);
            scopes = resources.narrow(new ArrayList<>(allowed), named, client);
        } catch (OAuthException e) {
            throw new AuthorizeError(e.error(), e.description());
        }
        String prompt = params.get("prompt");
        if (prompt != null) {
            List<String> values = List.of(prompt.trim().split(" +"));
            if (!PROMPTS.containsAll(values)) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "prompt has an unknown value");
            }
            if (values.contains("none") && values.size() > 1) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "prompt=none cannot be combined with other values");
            }
            prompt = String.join(" ", new LinkedHashSet<>(values));
        }
        long maxAge = -1;
        String maxAgeParam = params.get("max_age");
        if (maxAgeParam != null) {
            if (!MAX_AGE.matcher(maxAgeParam).matches()) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "max_age must be a non-negative integer (seconds)");
            }
            maxAge = Long.parseLong(maxAgeParam);
        }
        String display = params.get("display");
        if (display != null && !DISPLAYS.contains(display)) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "display must be one of " + String.join(", ", DISPLAYS));
        }
        String uiLocales = params.get("ui_locales");
        if (uiLocales != null && (uiLocales.length() > MAX_HINT || !UI_LOCALES.matcher(uiLocales).matches())) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "ui_locales must be a space-separated list of language tags (BCP 47)");
        }
        String acrValues = params.get("acr_values");
        if (acrValues != null && (acrValues.length() > MAX_HINT || !ACR_VALUES.matcher(acrValues).matches())) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "acr_values must be a space-separated list of printable values, at most "
                    + MAX_HINT + " characters");
        }
        String loginHint = params.get("login_hint");
        if (loginHint != null && (loginHint.length() > MAX_HINT || CONTROL.matcher(loginHint).find())) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "login_hint must be at most " + MAX_HINT
                    + " characters without control characters");
        }
        IdTokenHints.Hint hint = null;
        String idTokenHint = params.get("id_token_hint");
        if (idTokenHint != null) {
            hint = idTokenHint.length() > MAX_ID_TOKEN_HINT ? null : hints.verified(idTokenHint).orElse(null);
            if (hint == null) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "id_token_hint is not an id_token issued here");
            }
        }
        ClaimsRequest claims = ClaimsParameter.parse(params.get("claims"), client.scope());
        String dpopJkt = params.get("dpop_jkt");
        if (dpopJkt != null && !JwkThumbprints.isWellFormed(dpopJkt)) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "dpop_jkt must be a JWK SHA-256 thumbprint (RFC 9449 section 10): "
                    + "43 base64url characters");
        }
        return new AuthorizationRequest(client.clientId(), target.redirectUri(), scopes, target.state(),
                bounded(params, "nonce"), params.get("code_challenge"), prompt, loginHint, maxAge, bounded(params, "idp_hint"),
                params.get("code_challenge_method"), acrValues, uiLocales, display, hint, claims, dpopJkt, named);
    }

    /**
     * The code's protection, checked after {@code prompt} (so that {@code prompt=none} without a
     * session is {@code login_required} whatever else is missing): a PKCE S256 challenge (RFC 7636
     * §4.3; plain is refused), required unless the client is registered with {@code require_pkce:
     * false} (confidential clients only); then the request must carry a {@code nonce} (OIDC Core
     * §3.1.2.1), which binds the id_token to the client's session instead.
     */
    public void checkCodeProtection(AuthorizationRequest request) {
        String challenge = request.codeChallenge();
        String method = request.codeChallengeMethod();
        if (challenge == null) {
            if (method != null) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "code_challenge_method was sent without code_challenge");
            }
            // only the registry file can let a client go without PKCE; registered and metadata-document clients never can
            boolean required = clients.client(request.clientId()).map(ClientEntry::requirePkce).orElse(true);
            if (required) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "PKCE is required: code_challenge is missing");
            }
            if (request.nonce() == null) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "nonce is required when PKCE is not used");
            }
            return;
        }
        if (!"S256".equals(method)) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "code_challenge_method must be S256");
        }
        if (!CODE_CHALLENGE.matcher(challenge).matches()) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "code_challenge is not a valid S256 challenge");
        }
    }

    private static String bounded(FormRequest params, String name) {
        String value = params.get(name);
        if (value != null && value.length() > MAX_VALUE) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, name + " is longer than " + MAX_VALUE + " characters");
        }
        return value;
    }
}
