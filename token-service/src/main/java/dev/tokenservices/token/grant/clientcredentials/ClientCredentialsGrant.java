package dev.tokenservices.token.grant.clientcredentials;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.token.Grant;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.grant.ScopePolicy;
import dev.tokenservices.token.grant.TokenResponse;
import dev.tokenservices.token.issuance.AccessTokenIssuer;
import dev.tokenservices.token.issuance.TokenContext;
import dev.tokenservices.token.registry.RegistryCache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 6749 §4.4: a client obtains a token for itself. Governed by the client's scope allowance
 * alone: no scope authority is called and nothing but memory is read, so this is the hot path.
 * No refresh token (§4.4.3). With a DPoP proof the token is bound to its key (RFC 9449 §5).
 */
@ApplicationScoped
public class ClientCredentialsGrant implements GrantHandler<TokenResponse> {


    private final RegistryCache registry;
    private final AccessTokenIssuer issuer;
    private final String issuerUrl;

    public ClientCredentialsGrant(RegistryCache registry, AccessTokenIssuer issuer, TokenServiceConfig config) {
        this.registry = registry;
        this.issuer = issuer;
        this.issuerUrl = config.issuer();
    }

    @Override
    public Grant grant() {
        return Grant.CLIENT_CREDENTIALS;
    }

    @Override
    public Uni<TokenResponse> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof) {
        RegistryCache.Snapshot snapshot = registry.snapshot();
        ScopePolicy policy = new ScopePolicy(snapshot.resourceByScope()::get, snapshot.resources(), issuerUrl);
        ClientEntry entry = client.entry();
        ScopePolicy.Decision decision = policy.decide(entry, request.get("scope"), request.all("resource"));
        TokenContext context = new TokenContext(entry.clientId(), entry.clientId(), decision.audiences(),
                decision.scopes(), entry.accessTokenLifetime(), Map.of(), proof.map(DpopProof::jkt));
        return Uni.createFrom().item(TokenResponse.of(issuer.issue(context)));
    }
}
