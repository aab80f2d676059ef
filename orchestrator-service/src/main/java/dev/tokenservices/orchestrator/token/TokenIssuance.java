package dev.tokenservices.orchestrator.token;

import dev.tokenservices.orchestrator.authorize.LoginFlow;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.AccessTokenIndex;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
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
 * clients, the upstream) {@code id_token}, the access token, the orchestrator's refresh token,
 * {@code upstream_id_token} and {@code access_tokens} per resource. When no API granted anything,
 * the access token is an opaque one that serves /userinfo only.
 */
@ApplicationScoped
public class TokenIssuance {

    private final IdTokenMinter minter;
    private final RefreshTokens refreshTokens;
    private final AccessTokenIndex index;
    private final Set<String> passThrough;
    private final Duration userinfoTokenLifetime;

    public TokenIssuance(IdTokenMinter minter, RefreshTokens refreshTokens, AccessTokenIndex index, OrchestratorConfig config) {
        this.minter = minter;
        this.refreshTokens = refreshTokens;
        this.index = index;
        this.passThrough = Set.copyOf(config.passThroughClients().orElse(List.of()));
        this.userinfoTokenLifetime = config.userinfoTokenLifetime();
    }

    /** The response and what it issued (for revocation when a code is replayed). */
    public record Issued(Map<String, Object> response, String familyId, String tsRefreshToken, List<String> accessTokens) {
    }

    /**
     * @param familyId the refresh family to continue (refresh), or null to start one (code)
     */
    public Uni<Issued> issue(ClientEntry client, Identity identity, List<String> scopes, String nonce, ExchangedTokens tokens,
            String familyId) {
        String accessToken = tokens.accessToken() != null ? tokens.accessToken() : Secrets.random();
        int expiresIn = tokens.accessToken() != null ? tokens.expiresIn() : (int) userinfoTokenLifetime.toSeconds();
        List<String> granted = new ArrayList<>();
        scopes.stream().filter(LoginFlow.OIDC_SCOPES::contains).forEach(granted::add);
        if (tokens.scope() != null && !tokens.scope().isBlank()) {
            for (String s : tokens.scope().split(" ")) {
                if (!granted.contains(s)) {
                    granted.add(s);
                }
            }
        }
        String idToken = passThrough.contains(client.clientId())
                ? identity.upstreamIdToken()
                : minter.mint(client.clientId(), identity, scopes, nonce, accessToken);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("access_token", accessToken);
        response.put("token_type", "Bearer");
        response.put("expires_in", expiresIn);
        response.put("scope", String.join(" ", granted));
        response.put("id_token", idToken);
        response.put("upstream_id_token", identity.upstreamIdToken());
        if (!tokens.accessTokens().isEmpty()) {
            Map<String, Object> perResource = new LinkedHashMap<>();
            tokens.accessTokens().forEach((resource, t) -> perResource.put(resource,
                    Map.of("access_token", t.accessToken(), "token_type", "Bearer", "expires_in", t.expiresIn(), "scope", t.scope())));
            response.put("access_tokens", perResource);
        }
        List<String> issuedAccess = new ArrayList<>();
        issuedAccess.add(accessToken);
        tokens.accessTokens().values().forEach(t -> issuedAccess.add(t.accessToken()));
        Uni<Void> remember = index.remember(accessToken, new AccessTokenIndex.Entry(client.clientId(), identity, granted),
                Duration.ofSeconds(Math.max(1, expiresIn)));
        if (!client.allowsGrant(GrantTypes.REFRESH_TOKEN)) {
            return remember.replaceWith(new Issued(response, null, tokens.refreshToken(), issuedAccess));
        }
        String family = familyId != null ? familyId : Secrets.random();
        return remember.chain(() -> refreshTokens.issue(new RefreshTokens.Family(family, client.clientId(), identity, scopes,
                        tokens.refreshToken())))
                .map(refresh -> {
                    response.put("refresh_token", refresh);
                    return new Issued(response, family, tokens.refreshToken(), issuedAccess);
                });
    }
}
