package dev.tokenservices.orchestrator.token;

import dev.tokenservices.orchestrator.exchange.TokenServiceClient;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.session.AccessTokenIndex;
import dev.tokenservices.orchestrator.session.AuthorizationCodes;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6). The code is taken from Redis at once (GETDEL): a wrong
 * client, redirect URI or verifier burns it. A code presented again fails and revokes what its first
 * redemption issued (§4.1.2): the orchestrator's refresh family, the token service's refresh token
 * (and with it its family) and the access tokens.
 */
@ApplicationScoped
public class AuthorizationCodeGrant implements GrantHandler {

    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");
    private static final String INVALID = "the authorization code is invalid, expired or already used";

    private final AuthorizationCodes codes;
    private final TokenIssuance issuance;
    private final RefreshTokens refreshTokens;
    private final AccessTokenIndex index;
    private final TokenServiceClient tokenService;
    private final LoginMetrics metrics;

    public AuthorizationCodeGrant(AuthorizationCodes codes, TokenIssuance issuance, RefreshTokens refreshTokens,
            AccessTokenIndex index, TokenServiceClient tokenService, LoginMetrics metrics) {
        this.codes = codes;
        this.issuance = issuance;
        this.refreshTokens = refreshTokens;
        this.index = index;
        this.tokenService = tokenService;
        this.metrics = metrics;
    }

    @Override
    public String grantType() {
        return GrantTypes.AUTHORIZATION_CODE;
    }

    @Override
    public Uni<Map<String, Object>> handle(FormRequest request, ClientEntry client) {
        String code = request.require("code");
        String redirectUri = request.get("redirect_uri");
        String verifier = request.get("code_verifier");
        return codes.redeem(code).chain(found -> {
            if (found.isEmpty()) {
                return replayed(code);
            }
            AuthorizationCodes.CodeGrant grant = found.get();
            if (!grant.request().clientId().equals(client.clientId())) {
                metrics.redemption(grantType(), "wrong_client");
                throw OAuthException.invalidGrant("the authorization code was issued to another client");
            }
            if (redirectUri == null || !redirectUri.equals(grant.request().redirectUri())) {
                metrics.redemption(grantType(), "wrong_redirect_uri");
                throw OAuthException.invalidGrant("redirect_uri does not match the one of the authorization request");
            }
            if (verifier == null || !VERIFIER.matcher(verifier).matches()
                    || !Secrets.pkceMatches(verifier, grant.request().codeChallenge())) {
                metrics.redemption(grantType(), "wrong_verifier");
                throw OAuthException.invalidGrant("code_verifier does not match the code_challenge (PKCE)");
            }
            return issuance.issue(client, grant.identity(), grant.request().scopes(), grant.request().nonce(), grant.tokens(), null)
                    .call(issued -> codes.markUsed(code, new AuthorizationCodes.Issued(client.clientId(), issued.familyId(),
                            issued.tsRefreshToken(), issued.accessTokens())))
                    .invoke(() -> metrics.redemption(grantType(), "issued"))
                    .map(TokenIssuance.Issued::response);
        });
    }

    /** Unknown, expired, or used: if used, everything the first use issued is revoked now. */
    private Uni<Map<String, Object>> replayed(String code) {
        return codes.takeUsed(code).chain(used -> {
            if (used.isEmpty()) {
                metrics.redemption(grantType(), "unknown_code");
                return Uni.createFrom().failure(OAuthException.invalidGrant(INVALID));
            }
            metrics.redemption(grantType(), "replayed");
            AuthorizationCodes.Issued issued = used.get();
            List<Uni<Void>> revocations = new ArrayList<>();
            if (issued.refreshFamily() != null) {
                revocations.add(refreshTokens.revokeFamily(issued.refreshFamily())
                        .chain(family -> tokenService.revoke(family.map(RefreshTokens.Family::tsRefreshToken).orElse(null))));
            }
            revocations.add(tokenService.revoke(issued.tsRefreshToken()));
            for (String accessToken : issued.accessTokens()) {
                revocations.add(index.forget(accessToken).chain(() -> tokenService.revoke(accessToken)));
            }
            return Uni.join().all(revocations).andCollectFailures()
                    .onItemOrFailure().transformToUni((ignored, failure) -> Uni.createFrom().failure(OAuthException.invalidGrant(INVALID)));
        });
    }
}
