package dev.tokenservices.token.grant.refresh;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.token.Grant;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import dev.tokenservices.token.grant.ScopePolicy;
import dev.tokenservices.token.grant.TokenResponse;
import dev.tokenservices.token.grant.UserTokens;
import dev.tokenservices.token.issuance.IssuedToken;
import dev.tokenservices.token.subject.IdentityClaims;
import dev.tokenservices.token.subject.Subject;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 6749 §6 with rotation: every refresh returns a new refresh token and burns the old one; a
 * burned token presented again revokes its family, including what a rotation still in flight would
 * hand out (see {@link RefreshTokenStore}); a family ends at its absolute lifetime. The scope authorities are asked again, so an API
 * that withdrew a permission (a lapsed subscription) is heard at the next refresh. {@code scope} may
 * only narrow (§6).
 */
@ApplicationScoped
public class RefreshTokenGrant implements GrantHandler<TokenResponse> {


    private final RefreshTokenStore store;
    private final UserTokens users;

    public RefreshTokenGrant(RefreshTokenStore store, UserTokens users) {
        this.store = store;
        this.users = users;
    }

    @Override
    public Grant grant() {
        return Grant.REFRESH_TOKEN;
    }

    @Override
    public Uni<TokenResponse> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof) {
        String token = request.require("refresh_token");
        String scope = request.get("scope");
        ClientEntry entry = client.entry();
        return store.use(token, client.clientId()).chain(family -> {
            Set<String> original = ScopePolicy.parse(family.scope());
            if (scope != null) {
                for (String s : ScopePolicy.parse(scope)) {
                    if (!original.contains(s)) {
                        throw OAuthException.invalidScope("scope '" + s + "' was not granted originally; a refresh can only narrow");
                    }
                }
            }
            Set<String> allowance = new LinkedHashSet<>(entry.scope());
            allowance.retainAll(original);
            Subject subject = new Subject(family.subject(), family.idp(), IdentityClaims.parse(family.claimsJson()),
                    Optional.empty(), Instant.MAX, Optional.empty(), Optional.empty());
            return users.decide(entry, GrantTypes.REFRESH_TOKEN, subject, allowance, scope, List.of())
                    // the family keeps its original scope, so a narrowed refresh can be widened back later; the new
                    // token joins the family only if no reuse revoked it while the authorities were deciding, and
                    // only then is an access token signed
                    .chain(grant -> store.issue(new RefreshTokenStore.Family(family.familyId(), entry.clientId(), family.subject(),
                                    family.idp(), family.claimsJson(), family.scope()))
                            .map(next -> {
                                IssuedToken access = users.issue(entry, grant, entry.accessTokenLifetime(), Map.of());
                                return new TokenResponse(access.value(), access.expiresIn(), access.scope(), next, null,
                                        grant.interactions());
                            }));
        });
    }
}
