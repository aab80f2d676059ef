package dev.tokenservices.token.grant;

import dev.tokenservices.core.authority.AuthorityRequest;
import dev.tokenservices.core.authority.InteractionRequired;
import dev.tokenservices.core.authority.ScopeAuthorities;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.issuance.AccessTokenIssuer;
import dev.tokenservices.token.issuance.IssuedToken;
import dev.tokenservices.token.issuance.TokenContext;
import dev.tokenservices.token.registry.RegistryCache;
import dev.tokenservices.token.subject.Subject;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What every grant that carries a user shares (token exchange, device code, refresh): the client's
 * allowance narrows the request, the scope authorities decide, and the token says who the user is
 * ({@code sub} unchanged, {@code idp} the issuer that vouched for it). Scopes an authority holds back
 * for an interaction are left out and listed as {@code interaction_required}; when nothing at all is
 * granted, {@code 400 invalid_scope} (with that member when an interaction waits).
 */
@ApplicationScoped
public class UserTokens {

    private final ScopeAuthorities authorities;
    private final AccessTokenIssuer issuer;
    private final RegistryCache registry;
    private final String issuerUrl;

    public UserTokens(ScopeAuthorities authorities, AccessTokenIssuer issuer, RegistryCache registry, TokenServiceConfig config) {
        this.authorities = authorities;
        this.issuer = issuer;
        this.registry = registry;
        this.issuerUrl = config.issuer();
    }

    /** A decided user token, not yet signed. */
    public record Grant(Subject subject, ScopeAuthorities.Outcome outcome) {

        /**
         * What a refresh token for this grant may ask for again: the scopes granted and those waiting for
         * an interaction (the authorities are asked again at every refresh, so a waiting scope is granted
         * only once its authority accepts), in the order requested.
         */
        public String refreshableScope() {
            if (outcome.waiting().isEmpty()) {
                return String.join(" ", outcome.scopes());
            }
            Set<String> all = new LinkedHashSet<>(outcome.scopes());
            all.addAll(outcome.waiting());
            return String.join(" ", all);
        }

        public List<InteractionRequired> interactions() {
            return outcome.interactions();
        }
    }

    /**
     * @param allowance the most that may be granted (the client's scope, possibly narrowed further)
     * @param scope     the requested {@code scope}, or null for the whole allowance
     * @param targets   {@code resource} / {@code audience} values
     */
    public Uni<Grant> decide(ClientEntry client, String grantType, Subject subject, Set<String> allowance, String scope,
            List<String> targets) {
        RegistryCache.Snapshot snapshot = registry.snapshot();
        ScopePolicy.Decision decision = new ScopePolicy(snapshot.resourceByScope()::get, snapshot.resources(), issuerUrl)
                .decide(allowance, scope, targets);
        AuthorityRequest request = AuthorityRequest.of(client.clientId(), grantType, subject.subject(), subject.issuer(),
                subject.claims());
        return authorities.decide(request, decision.scopes(), decision.audiences(), snapshot.resourceByScope()::get, issuerUrl)
                .map(outcome -> new Grant(subject, granted(outcome)));
    }

    private static ScopeAuthorities.Outcome granted(ScopeAuthorities.Outcome outcome) {
        if (!outcome.nothingGranted()) {
            return outcome;
        }
        if (outcome.interactions().isEmpty()) {
            throw OAuthException.invalidScope("none of the requested scopes was granted");
        }
        throw OAuthException.invalidScope("none of the requested scopes was granted; the user must first complete"
                        + " what interaction_required lists")
                .withMember(InteractionRequired.MEMBER, InteractionRequired.json(outcome.interactions()));
    }

    /**
     * Signs the access token of a decided grant; {@code extra} adds e.g. the {@code act} claim.
     *
     * @param jkt the DPoP key to bind it to; empty for a bearer token
     */
    public IssuedToken issue(ClientEntry client, Grant grant, int lifetime, Map<String, Object> extra, Optional<String> jkt) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("idp", grant.subject().issuer());
        claims.putAll(extra);
        claims.putAll(grant.outcome().resourceClaims());
        return issuer.issue(new TokenContext(client.clientId(), grant.subject().subject(), grant.outcome().audiences(),
                grant.outcome().scopes(), lifetime, claims, jkt));
    }
}
