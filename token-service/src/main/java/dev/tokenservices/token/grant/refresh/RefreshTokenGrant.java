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
import org.jboss.logging.Logger;

/**
 * RFC 6749 §6 with rotation: every refresh returns a new refresh token and burns the old one; a
 * burned token presented again revokes its family, including what a rotation still in flight would
 * hand out (see {@link RefreshTokenStore}); a family ends at its absolute lifetime. The scope authorities are asked again, so an API
 * that withdrew a permission (a lapsed subscription) is heard at the next refresh. {@code scope} may
 * only narrow (§6).
 *
 * <p>DPoP (RFC 9449 §5): a public client's refresh token bound to a key is refreshed only with a proof
 * of that key; presented without it (stolen), its family is revoked and the answer is {@code
 * invalid_grant}. Each access token is bound to the request's proof, whoever the client.
 */
@ApplicationScoped
public class RefreshTokenGrant implements GrantHandler<TokenResponse> {

    private static final Logger LOG = Logger.getLogger(RefreshTokenGrant.class);

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
            if (family.jkt() != null && !proof.map(DpopProof::jkt).filter(family.jkt()::equals).isPresent()) {
                // the client always holds its key: a bound token without it was taken from the client
                LOG.warnf("DPoP-bound refresh token of client %s presented without its key: its family was revoked", entry.clientId());
                return store.revokeFamily(family.familyId()).chain(() -> Uni.createFrom().<TokenResponse>failure(OAuthException.invalidGrant(
                        "the refresh token is bound to a DPoP key; a refresh needs a DPoP proof signed with that key")));
            }
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
                    Optional.empty(), Instant.MAX, Optional.empty(), Optional.empty(), Optional.empty());
            Optional<String> jkt = proof.map(DpopProof::jkt);
            // RFC 9449 §5: a public client's family is bound to the first key it proves; a confidential
            // client's is not (it authenticates), but each of its access tokens is bound to the proof sent
            String familyJkt = family.jkt() != null ? family.jkt() : entry.isConfidential() ? null : jkt.orElse(null);
            return users.decide(entry, GrantTypes.REFRESH_TOKEN, subject, allowance, scope, List.of())
                    // the family keeps its original scope, so a narrowed refresh can be widened back later; the new
                    // token joins the family only if no reuse revoked it while the authorities were deciding, and
                    // only then is an access token signed
                    .chain(grant -> store.issue(new RefreshTokenStore.Family(family.familyId(), entry.clientId(), family.subject(),
                                    family.idp(), family.claimsJson(), family.scope(), familyJkt))
                            .map(next -> new TokenResponse(users.issue(entry, grant, entry.accessTokenLifetime(), Map.of(), jkt), next,
                                    null, grant.interactions())));
        });
    }
}
