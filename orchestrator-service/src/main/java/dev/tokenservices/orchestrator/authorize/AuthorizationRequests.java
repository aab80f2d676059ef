package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
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
    private static final int MAX_VALUE = 1024;

    private final Clients clients;

    public AuthorizationRequests(Clients clients) {
        this.clients = clients;
    }

    /** Stage one: the client and where answers may be sent. */
    public record Target(ClientEntry client, String redirectUri, String state) {
    }

    public Target target(FormRequest params) {
        String clientId = params.get("client_id");
        if (clientId == null) {
            throw PageException.badRequest("The request names no client (client_id is missing).");
        }
        ClientEntry client = clients.client(clientId).orElseThrow(() -> PageException.badRequest(
                "The application '" + FormRequest.printable(clientId) + "' is not registered here."));
        String redirectUri = params.get("redirect_uri");
        if (redirectUri == null) {
            throw PageException.badRequest("The request has no redirect_uri.");
        }
        // exact string comparison, nothing normalised
        if (!client.redirectUris().contains(redirectUri)) {
            throw PageException.badRequest("The redirect_uri is not registered for the application '" + clientId + "'.");
        }
        String state = params.get("state");
        if (state != null && state.length() > MAX_VALUE) {
            throw PageException.badRequest("The state parameter is longer than " + MAX_VALUE + " characters.");
        }
        return new Target(client, redirectUri, state);
    }

    /** Stage two: the rest of the request; errors are {@link AuthorizeError}s for the redirect URI. */
    public AuthorizationRequest validate(Target target, FormRequest params) {
        ClientEntry client = target.client();
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
        Set<String> scopes = new LinkedHashSet<>();
        for (String s : requested) {
            if (s.equals("openid") || client.scope().contains(s)) {
                scopes.add(s);
            }
        }
        String challenge = params.get("code_challenge");
        String method = params.get("code_challenge_method");
        if (challenge == null) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "PKCE is required: code_challenge is missing");
        }
        if (!"S256".equals(method)) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "code_challenge_method must be S256");
        }
        if (!CODE_CHALLENGE.matcher(challenge).matches()) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "code_challenge is not a valid S256 challenge");
        }
        String nonce = bounded(params, "nonce");
        String prompt = params.get("prompt");
        if (prompt != null) {
            List<String> values = List.of(prompt.trim().split(" +"));
            if (!PROMPTS.containsAll(values)) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "prompt has an unknown value");
            }
            if (values.contains("none") && values.size() > 1) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "prompt=none cannot be combined with other values");
            }
        }
        long maxAge = -1;
        String maxAgeParam = params.get("max_age");
        if (maxAgeParam != null) {
            try {
                maxAge = Long.parseLong(maxAgeParam);
            } catch (NumberFormatException e) {
                maxAge = -2;
            }
            if (maxAge < 0) {
                throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, "max_age must be a non-negative integer");
            }
        }
        ClaimsRequest claims = ClaimsParameter.parse(params.get("claims"), client.scope());
        return new AuthorizationRequest(client.clientId(), target.redirectUri(), new ArrayList<>(scopes), target.state(),
                nonce, challenge, prompt, bounded(params, "login_hint"), maxAge, bounded(params, "idp_hint"), claims);
    }

    private static String bounded(FormRequest params, String name) {
        String value = params.get(name);
        if (value != null && value.length() > MAX_VALUE) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST, name + " is longer than " + MAX_VALUE + " characters");
        }
        return value;
    }
}
