package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.refresh.RefreshFamilies;
import dev.tokenservices.core.token.Grant;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.orchestrator.authorize.LoginFlow;
import dev.tokenservices.orchestrator.exchange.TokenServiceClient;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.registry.ResourceIndicators;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 6749 §6 with rotation on both layers: the orchestrator's refresh token is replaced, and the
 * token service's refresh tokens behind it (one per resource) are used (and rotated there), so the
 * scope authorities are asked again. A new id_token is minted without nonce (OIDC Core §12.2).
 * With {@code scope} (§6) a refresh narrows: its tokens carry the scopes asked for, each resource's
 * token at the token service is refreshed with that resource's share of them (or, when none is
 * asked for, left for a later refresh), and the family keeps the login's whole grant. With
 * {@code resource} (RFC 8707 §2.2), likewise: only the APIs named are refreshed and in
 * {@code access_tokens}, each one the login covers ({@code invalid_target} beyond them). A
 * {@code scope} or {@code resource} beyond the login is refused before the refresh token is used, so
 * it stays usable ({@link #withinLogin}).
 * DPoP (RFC 9449 §5): with a proof, the access tokens are bound to its key, the API tokens too: the
 * token service's refresh binds each to the key the orchestrator names with {@code dpop_jkt}, asking
 * the API's authority with the identity claims it keeps for the login. A public client's family is
 * bound to the first key it proves, and a bound family presented without that key (its refresh
 * token was taken from the client) ends, here and at the token service.
 * A rotated-away token presented again ends the family here and at the token service, including a
 * rotation still waiting on the token service: it finds its family gone, fails, and revokes what the
 * token service just gave it (RFC 9700 §4.14.2). A family older than
 * {@code orchestrator.refresh-token-max-lifetime} is refused: the user logs in again.
 */
@ApplicationScoped
public class RefreshTokenGrant implements GrantHandler<Map<String, Object>> {


    private final RefreshTokens refreshTokens;
    private final Clients clients;
    private final TokenServiceClient tokenService;
    private final TokenIssuance issuance;
    private final Revocations revocations;
    private final ResourceIndicators resources;
    private final LoginMetrics metrics;

    public RefreshTokenGrant(RefreshTokens refreshTokens, Clients clients, TokenServiceClient tokenService, TokenIssuance issuance,
            Revocations revocations, ResourceIndicators resources, LoginMetrics metrics) {
        this.refreshTokens = refreshTokens;
        this.clients = clients;
        this.tokenService = tokenService;
        this.issuance = issuance;
        this.revocations = revocations;
        this.resources = resources;
        this.metrics = metrics;
    }

    @Override
    public Grant grant() {
        return Grant.REFRESH_TOKEN;
    }

    @Override
    public Uni<Map<String, Object>> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof) {
        String token = request.require("refresh_token");
        Optional<Set<String>> asked = asked(request.get("scope"), client);
        // malformed or unknown resources are refused before the refresh token is looked at
        resources.requested(request.all("resource"), client.entry());
        String dpopJkt = proof.map(DpopProof::jkt).orElse(null);
        Uni<Void> checked = withinLogin(token, client, asked, request.all("resource"), dpopJkt);
        return checked.chain(() -> refreshTokens.use(token, client.clientId())).chain(use -> {
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
            if (!keyProved(login, dpopJkt)) {
                metrics.redemption(grantType(), "wrong_dpop_key");
                return refreshTokens.revokeFamily(current.family().familyId())
                        .chain(ended -> revocations.atTokenService(login.tsRefreshTokens().values()))
                        .chain(() -> Uni.createFrom().failure(OAuthException.invalidGrant(
                                "the refresh token is bound to a DPoP key; a refresh needs a DPoP proof signed with that key")));
            }
            String familyJkt = login.dpopJkt() != null || client.entry().isConfidential() ? login.dpopJkt() : dpopJkt;
            List<String> scopes = narrowed(login.scopes(), asked);
            List<String> targets = resources.within(request.all("resource"), resources.covered(login.scopes()), client.entry());
            Map<String, String> refreshed = new LinkedHashMap<>();
            Map<String, String> scopeByResource = new LinkedHashMap<>();
            Map<String, String> kept = new LinkedHashMap<>();
            login.tsRefreshTokens().forEach((resource, tsToken) -> {
                List<String> resourceScopes = asked.isEmpty() ? null : scopes.stream().filter(clients.resourceScopes(resource)::contains).toList();
                if (resourceScopes != null && resourceScopes.isEmpty() || !targets.isEmpty() && !targets.contains(resource)) {
                    // nothing of this resource asked for now: its token at the token service waits for a later refresh
                    kept.put(resource, tsToken);
                    return;
                }
                refreshed.put(resource, tsToken);
                if (resourceScopes != null) {
                    scopeByResource.put(resource, String.join(" ", resourceScopes));
                }
            });
            return tokenService.refresh(refreshed, scopeByResource, dpopJkt).chain(tokens -> {
                Map<String, String> next = new LinkedHashMap<>(tokens.refreshTokens());
                next.putAll(kept);
                return refreshTokens.rotate(current.family(), next, familyJkt).chain(rotated -> {
                    if (rotated.isEmpty()) {
                        // the family ended while the token service was deciding: nothing of this rotation may live
                        metrics.redemption(grantType(), "revoked_in_flight");
                        List<String> obtained = new ArrayList<>(tokens.refreshTokens().values());
                        obtained.addAll(tokens.accessTokenValues());
                        return revocations.atTokenService(obtained).chain(() -> Uni.createFrom().failure(RefreshTokens.invalid()));
                    }
                    return issuance.issue(client.entry(), login.identity(), scopes, null, tokens, rotated.get(), login.claims(), dpopJkt,
                                    targets)
                            .invoke(() -> metrics.redemption(grantType(), "issued"))
                            .map(TokenIssuance.Issued::response);
                });
            });
        });
    }

    /**
     * RFC 6749 §6 and RFC 8707 §2.2, before the token is used: a {@code scope} or {@code resource}
     * beyond the login is refused with the refresh token left usable (used, it would be spent, and the
     * client's retry with it would look like a stolen token's reuse and end the login). A bound family
     * presented without its key is left to the use, which ends it.
     */
    private Uni<Void> withinLogin(String token, RegisteredClient client, Optional<Set<String>> asked, List<String> resourceValues,
            String dpopJkt) {
        if (asked.isEmpty() && resourceValues.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return refreshTokens.current(token, client.clientId())
                .invoke(found -> found.filter(login -> keyProved(login, dpopJkt)).ifPresent(login -> {
                    narrowed(login.scopes(), asked);
                    resources.within(resourceValues, resources.covered(login.scopes()), client.entry());
                }))
                .replaceWithVoid();
    }

    /** Whether the request proves the key a bound family needs (RFC 9449 §5; an unbound family needs none). */
    private static boolean keyProved(RefreshTokens.Login login, String dpopJkt) {
        return login.dpopJkt() == null || login.dpopJkt().equals(dpopJkt);
    }

    /**
     * The {@code scope} asked for, when one was sent. A scope this client can never hold is refused
     * before the refresh token is used; {@code openid} is implied (the response is an OIDC one, with
     * an id_token).
     */
    private static Optional<Set<String>> asked(String scope, RegisteredClient client) {
        if (scope == null) {
            return Optional.empty();
        }
        Set<String> asked = new LinkedHashSet<>(List.of(scope.trim().split(" +")));
        asked.remove("");
        for (String s : asked) {
            if (!LoginFlow.OIDC_SCOPES.contains(s) && !client.entry().scope().contains(s)) {
                throw OAuthException.invalidScope("scope '" + FormRequest.printable(s) + "' is not one this client may hold");
            }
        }
        asked.add("openid");
        return Optional.of(asked);
    }

    /**
     * The scopes of this refresh: the login's, or those of them asked for (RFC 6749 §6: equal or
     * narrower; a scope the login was not granted is invalid_scope). The family keeps the login's:
     * a later refresh without {@code scope} has them all again.
     */
    private static List<String> narrowed(List<String> granted, Optional<Set<String>> asked) {
        if (asked.isEmpty()) {
            return granted;
        }
        for (String s : asked.get()) {
            if (!granted.contains(s)) {
                throw OAuthException.invalidScope("scope '" + s + "' was not granted to this login; a refresh can only narrow");
            }
        }
        return granted.stream().filter(asked.get()::contains).toList();
    }

    private static Collection<String> tsRefreshTokens(Optional<RefreshFamilies.Family> family) {
        return family.map(f -> RefreshTokens.login(f).tsRefreshTokens().values()).orElse(List.of());
    }
}
