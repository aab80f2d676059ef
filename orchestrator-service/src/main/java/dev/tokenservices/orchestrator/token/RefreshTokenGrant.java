package dev.tokenservices.orchestrator.token;

import dev.tokenservices.orchestrator.exchange.TokenServiceClient;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * RFC 6749 §6 with rotation on both layers: the orchestrator's refresh token is replaced, and the
 * token service's refresh token behind it is used (and rotated there), so the scope authorities
 * are asked again. A new id_token is minted without nonce (OIDC Core §12.2). A rotated-away token
 * presented again ends the family here and at the token service.
 */
@ApplicationScoped
public class RefreshTokenGrant implements GrantHandler {

    private final RefreshTokens refreshTokens;
    private final TokenServiceClient tokenService;
    private final TokenIssuance issuance;
    private final LoginMetrics metrics;

    public RefreshTokenGrant(RefreshTokens refreshTokens, TokenServiceClient tokenService, TokenIssuance issuance,
            LoginMetrics metrics) {
        this.refreshTokens = refreshTokens;
        this.tokenService = tokenService;
        this.issuance = issuance;
        this.metrics = metrics;
    }

    @Override
    public String grantType() {
        return GrantTypes.REFRESH_TOKEN;
    }

    @Override
    public Uni<Map<String, Object>> handle(FormRequest request, ClientEntry client) {
        String token = request.require("refresh_token");
        if (request.get("scope") != null) {
            // narrowing is not offered: the login's scopes are what the family holds
            throw OAuthException.invalidScope("scope cannot be changed at refresh here; omit it");
        }
        return refreshTokens.use(token, client.clientId()).chain(use -> {
            if (use instanceof RefreshTokens.Reused reused) {
                metrics.redemption(grantType(), "reused");
                return tokenService.revoke(reused.family().map(RefreshTokens.Family::tsRefreshToken).orElse(null))
                        .chain(() -> Uni.createFrom().failure(RefreshTokens.invalid()));
            }
            if (!(use instanceof RefreshTokens.Current current)) {
                metrics.redemption(grantType(), "unknown");
                return Uni.createFrom().failure(RefreshTokens.invalid());
            }
            RefreshTokens.Family family = current.family();
            Uni<ExchangedTokens> tokens = family.tsRefreshToken() == null
                    ? Uni.createFrom().item(ExchangedTokens.none())
                    : tokenService.refresh(family.tsRefreshToken());
            return tokens.chain(t -> issuance.issue(client, family.identity(), family.scopes(), null, t, family.familyId()))
                    .invoke(() -> metrics.redemption(grantType(), "issued"))
                    .map(TokenIssuance.Issued::response);
        });
    }
}
