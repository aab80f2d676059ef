package dev.tokenservices.orchestrator.token;

import dev.tokenservices.orchestrator.exchange.TokenServiceClient;
import dev.tokenservices.orchestrator.session.AccessTokenIndex;
import dev.tokenservices.orchestrator.session.AuthorizationCodes;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Ends what a login issued, here and at the token service (RFC 7009 there): the orchestrator's
 * refresh family, its own access token (the /userinfo index entry), the token service's refresh
 * tokens (and with them their families there) and its access tokens. Best effort at the token
 * service: a failed revocation is logged by the client, never turned into an error here.
 */
@ApplicationScoped
public class Revocations {

    private final RefreshTokens refreshTokens;
    private final AccessTokenIndex index;
    private final TokenServiceClient tokenService;

    public Revocations(RefreshTokens refreshTokens, AccessTokenIndex index, TokenServiceClient tokenService) {
        this.refreshTokens = refreshTokens;
        this.index = index;
        this.tokenService = tokenService;
    }

    /** Everything a redeemed authorization code issued (RFC 6749 §4.1.2, a replayed code). */
    public Uni<Void> issuedForCode(AuthorizationCodes.Issued issued) {
        Uni<Collection<String>> familyTokens = issued.refreshFamily() == null
                ? Uni.createFrom().item(List.of())
                : refreshTokens.revokeFamily(issued.refreshFamily())
                        .map(login -> login.<Collection<String>>map(l -> l.tsRefreshTokens().values()).orElse(List.of()));
        return familyTokens.chain(current -> {
            Set<String> atTokenService = new LinkedHashSet<>(current);
            atTokenService.addAll(issued.tsRefreshTokens());
            atTokenService.addAll(issued.apiAccessTokens());
            List<Uni<Void>> all = new ArrayList<>();
            if (issued.userinfoToken() != null) {
                all.add(index.forget(issued.userinfoToken()).onFailure().recoverWithNull());
            }
            all.add(atTokenService(atTokenService));
            return Uni.join().all(all).andCollectFailures().replaceWithVoid();
        });
    }

    /** Tokens of the token service, revoked there in parallel. */
    public Uni<Void> atTokenService(Collection<String> tokens) {
        if (tokens.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.join().all(tokens.stream().map(tokenService::revoke).toList()).andCollectFailures().replaceWithVoid();
    }
}
