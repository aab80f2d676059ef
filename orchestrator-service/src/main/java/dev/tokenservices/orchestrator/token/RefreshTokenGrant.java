package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.refresh.RefreshFamilies;
import dev.tokenservices.core.token.Grant;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.orchestrator.exchange.TokenServiceClient;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 6749 §6 with rotation on both layers: the orchestrator's refresh token is replaced, and the
 * token service's refresh tokens behind it (one per resource) are used (and rotated there), so the
 * scope authorities are asked again. A new id_token is minted without nonce (OIDC Core §12.2).
 * A rotated-away token presented again ends the family here and at the token service, including a
 * rotation still waiting on the token service: it finds its family gone, fails, and revokes what the
 * token service just gave it (RFC 9700 §4.14.2). A family older than
 * {@code orchestrator.refresh-token-max-lifetime} is refused: the user logs in again.
 */
@ApplicationScoped
public class RefreshTokenGrant implements GrantHandler<Map<String, Object>> {


    private final RefreshTokens refreshTokens;
    private final TokenServiceClient tokenService;
    private final TokenIssuance issuance;
    private final Revocations revocations;
    private final LoginMetrics metrics;

    public RefreshTokenGrant(RefreshTokens refreshTokens, TokenServiceClient tokenService, TokenIssuance issuance,
            Revocations revocations, LoginMetrics metrics) {
        this.refreshTokens = refreshTokens;
        this.tokenService = tokenService;
        this.issuance = issuance;
        this.revocations = revocations;
        this.metrics = metrics;
    }

    @Override
    public Grant grant() {
        return Grant.REFRESH_TOKEN;
    }

    @Override
    public Uni<Map<String, Object>> handle(FormRequest request, RegisteredClient client) {
        String token = request.require("refresh_token");
        if (request.get("scope") != null) {
            // narrowing is not offered: the login's scopes are what the family holds
            throw OAuthException.invalidScope("scope cannot be changed at refresh here; omit it");
        }
        return refreshTokens.use(token, client.clientId()).chain(use -> {
            if (use instanceof RefreshFamilies.Reused reused) {
                metrics.redemption(grantType(), "reused");
                return revocations.atTokenService(tsRefreshTokens(reused.family()))
                        .chain(() -> Uni.createFrom().failure(RefreshTokens.invalid()));
            }
            if (use instanceof RefreshFamilies.Expired expired) {
                metrics.redemption(grantType(), "family_expired");
                return revocations.atTokenService(tsRefreshTokens(Optional.of(expired.family())))
                        .chain(() -> Uni.createFrom().failure(OAuthException.invalidGrant(
                                "the login behind this refresh token has reached its maximum lifetime; log in again")));
            }
            if (!(use instanceof RefreshFamilies.Current current)) {
                metrics.redemption(grantType(), "unknown");
                return Uni.createFrom().failure(RefreshTokens.invalid());
            }
            RefreshTokens.Login login = RefreshTokens.login(current.family());
            return tokenService.refresh(login.tsRefreshTokens()).chain(tokens -> refreshTokens.rotate(current.family(), tokens.refreshTokens())
                    .chain(next -> {
                        if (next.isEmpty()) {
                            // the family ended while the token service was deciding: nothing of this rotation may live
                            metrics.redemption(grantType(), "revoked_in_flight");
                            List<String> obtained = new ArrayList<>(tokens.refreshTokens().values());
                            obtained.addAll(tokens.accessTokenValues());
                            return revocations.atTokenService(obtained).chain(() -> Uni.createFrom().failure(RefreshTokens.invalid()));
                        }
                        return issuance.issue(client.entry(), login.identity(), login.scopes(), null, tokens, next.get(), login.claims())
                                .invoke(() -> metrics.redemption(grantType(), "issued"))
                                .map(TokenIssuance.Issued::response);
                    }));
        });
    }

    private static Collection<String> tsRefreshTokens(Optional<RefreshFamilies.Family> family) {
        return family.map(f -> RefreshTokens.login(f).tsRefreshTokens().values()).orElse(List.of());
    }
}
