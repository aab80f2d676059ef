package dev.tokenservices.orchestrator.token;

import dev.tokenservices.orchestrator.authorize.LoginFlow;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.AccessTokenIndex;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the orchestrator's token response (the public contract): the minted (or, for pass-through
 * clients, the upstream) {@code id_token}; the top-level {@code access_token}; the refresh token the
 * grant obtained; {@code upstream_id_token}; and in {@code access_tokens} each API's token, with that
 * API alone as {@code aud}. The top-level {@code access_token} is the orchestrator's own, for its
 * /userinfo only ({@code aud} = the orchestrator), unless the token request (or, at a code
 * redemption, the authorization request) names exactly one {@code resource} (RFC 8707): then it is
 * that API's token from the token service, with its {@code token_type}, {@code expires_in} and
 * {@code scope}, because that is the token a client (an MCP client, RFC 8707 §2) uses at the
 * resource it named; no orchestrator token is issued then, so /userinfo is not reachable with that
 * response. When an API's authority still waits for the user to do something (declined or left
 * undone during the login, or asked at a refresh), {@code interaction_required} lists it as the
 * token service does, so that the client knows why a scope is missing and where the user can go.
 */
@ApplicationScoped
public class TokenIssuance {

    private final IdTokenMinter minter;
    private final UserinfoTokenMinter userinfoTokens;
    private final AccessTokenIndex index;
    private final Set<String> passThrough;

    public TokenIssuance(IdTokenMinter minter, UserinfoTokenMinter userinfoTokens, AccessTokenIndex index, OrchestratorConfig config) {
        this.minter = minter;
        this.userinfoTokens = userinfoTokens;
        this.index = index;
        this.passThrough = Set.copyOf(config.passThroughClients().orElse(List.of()));
    }

    /**
     * The response and the access tokens in it (for revocation when a code is replayed).
     *
     * @param userinfoToken the orchestrator's own access token, or null when the top-level one is an API's
     */
    public record Issued(Map<String, Object> response, String userinfoToken, List<String> apiAccessTokens) {
    }

    /** What a login holds: the OIDC scopes it asked for and the API scopes the token service granted. */
    public static List<String> granted(List<String> scopes, ExchangedTokens tokens) {
        List<String> granted = new ArrayList<>(scopes.stream().filter(LoginFlow.OIDC_SCOPES::contains).toList());
        tokens.scopes().stream().filter(s -> !granted.contains(s)).forEach(granted::add);
        return granted;
    }

    /**
     * @param refreshToken the orchestrator's refresh token for the response, or null
     * @param claims       the login's {@code claims} request (OIDC Core §5.5), or null for none
     * @param dpopJkt      the key of the request's DPoP proof, which the access token is bound to
     *                     ({@code token_type: DPoP}, RFC 9449 §5), or null for a bearer token
     * @param resources    the resources the token request names, else those its authorization request
     *                     named (RFC 8707); with exactly one, the top-level access token is that API's
     * @throws dev.tokenservices.shared.oauth.OAuthException {@code invalid_scope} when exactly one resource
     *         is named and it granted this login nothing: the top-level token is never another audience's
     */
    public Uni<Issued> issue(ClientEntry client, Identity identity, List<String> scopes, String nonce, ExchangedTokens tokens,
            String refreshToken, ClaimsRequest claims, String dpopJkt, List<String> resources) {
        ExchangedTokens.PerResource api = null;
        if (resources.size() == 1) {
            api = tokens.accessTokens().get(resources.get(0));
            if (api == null) {
                throw OAuthException.invalidScope("resource " + resources.get(0) + " granted this login nothing (its authority declined,"
                        + " or waits for the user: log in again); no access token can be issued for it");
            }
        }
        List<String> oidcScopes = scopes.stream().filter(LoginFlow.OIDC_SCOPES::contains).toList();
        List<String> granted = granted(scopes, tokens);
        UserinfoTokenMinter.Minted userinfoToken = api == null ? userinfoTokens.mint(client.clientId(), identity, oidcScopes, dpopJkt) : null;
        String accessToken = api == null ? userinfoToken.value() : api.accessToken();
        String idToken = passThrough.contains(client.clientId())
                ? identity.upstreamIdToken()
                : minter.mint(client, identity, claims, nonce, accessToken);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("access_token", accessToken);
        if (api == null) {
            response.put("token_type", dpopJkt == null ? "Bearer" : "DPoP");
            response.put("expires_in", userinfoToken.expiresIn());
            response.put("scope", String.join(" ", granted));
        } else {
            response.put("token_type", api.bound() ? "DPoP" : "Bearer");
            response.put("expires_in", api.expiresIn());
            response.put("scope", api.scope());
        }
        response.put("id_token", idToken);
        if (refreshToken != null) {
            response.put("refresh_token", refreshToken);
        }
        response.put("upstream_id_token", identity.upstreamIdToken());
        if (!tokens.accessTokens().isEmpty()) {
            Map<String, Object> perResource = new LinkedHashMap<>();
            tokens.accessTokens().forEach((resource, t) -> perResource.put(resource,
                    Map.of("access_token", t.accessToken(), "token_type", t.bound() ? "DPoP" : "Bearer", "expires_in", t.expiresIn(),
                            "scope", t.scope())));
            response.put("access_tokens", perResource);
        }
        if (!tokens.interactions().isEmpty()) {
            response.put("interaction_required", tokens.interactions().stream().map(i -> Map.of("resource", i.resource(),
                    "url", i.url(), "reason", i.reason(), "message", i.message())).toList());
        }
        if (userinfoToken == null) {
            return Uni.createFrom().item(new Issued(response, null, tokens.accessTokenValues()));
        }
        return index.remember(userinfoToken.value(), new AccessTokenIndex.Entry(client.clientId(), identity, granted,
                        ClaimsRequest.orNone(claims).userinfo()), Duration.ofSeconds(Math.max(1, userinfoToken.expiresIn())))
                .replaceWith(new Issued(response, userinfoToken.value(), tokens.accessTokenValues()));
    }
}
