package dev.tokenservices.token.grant.tokenexchange;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.dpop.JwkThumbprints;
import dev.tokenservices.core.token.Grant;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.grant.ScopePolicy;
import dev.tokenservices.token.grant.TokenResponse;
import dev.tokenservices.token.grant.UserTokens;
import dev.tokenservices.token.grant.refresh.RefreshTokenStore;
import dev.tokenservices.token.issuance.IssuedToken;
import dev.tokenservices.token.subject.IdentityClaims;
import dev.tokenservices.token.subject.Subject;
import dev.tokenservices.token.subject.SubjectTokens;
import dev.tokenservices.token.subject.TokenTypes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 8693 token exchange. The subject token is an id_token of a trusted external issuer or one of
 * our own access tokens; the requested scopes are decided by each involved resource's scope
 * authority (the fan-out); with an actor token the result records the delegation in {@code act}.
 *
 * <p>DPoP (RFC 9449): the issued token is bound to the request's proof, or to the {@code dpop_jkt}
 * parameter (as §10 defines it for authorization requests) of a confidential client that relays the
 * key of its own client, whose proof it cannot sign; with both, they must name the same key. A subject
 * or actor token that is one of our DPoP-bound access tokens is never laundered into a bearer token or
 * another key's: its exchange needs a proof of its own key (else {@code invalid_dpop_proof}).
 */
@ApplicationScoped
public class TokenExchangeGrant implements GrantHandler<TokenResponse> {

    private static final Set<String> ISSUABLE = Set.of(TokenTypes.ACCESS_TOKEN, TokenTypes.JWT);
    /** RFC 8693 §2.1's parameters and {@code dpop_jkt}. */
    private static final Grant GRANT = new Grant(GrantTypes.TOKEN_EXCHANGE, Grant.TOKEN_EXCHANGE.parameters().alsoOptional("dpop_jkt"));

    private final SubjectTokens subjects;
    private final UserTokens users;
    private final RefreshTokenStore refreshTokens;
    private final Clock clock;
    private final int maxTokenLength;

    public TokenExchangeGrant(SubjectTokens subjects, UserTokens users, RefreshTokenStore refreshTokens, Clock clock,
            TokenServiceConfig config) {
        this.refreshTokens = refreshTokens;
        this.subjects = subjects;
        this.users = users;
        this.clock = clock;
        this.maxTokenLength = config.exchange().maxSubjectTokenLength();
    }

    @Override
    public Grant grant() {
        return GRANT;
    }

    @Override
    public Uni<TokenResponse> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof) {
        String subjectToken = token(request, "subject_token", true);
        String subjectType = request.require("subject_token_type");
        String actorToken = token(request, "actor_token", false);
        String actorType = request.get("actor_token_type");
        if ((actorToken == null) != (actorType == null)) {
            throw OAuthException.invalidRequest("actor_token and actor_token_type must be sent together");
        }
        String requested = request.get("requested_token_type");
        if (requested != null && !ISSUABLE.contains(requested)) {
            throw OAuthException.invalidRequest("requested_token_type " + FormRequest.printable(requested)
                    + " cannot be issued; this server issues " + TokenTypes.ACCESS_TOKEN);
        }
        List<String> targets = new ArrayList<>(request.all("resource"));
        targets.addAll(request.all("audience"));
        Optional<String> jkt = bindTo(request.get("dpop_jkt"), client, proof);
        Uni<Optional<Subject>> actor = actorToken == null
                ? Uni.createFrom().item(Optional.empty())
                : subjects.resolve(actorToken, actorType, "actor_token", client.clientId()).map(Optional::of);
        return subjects.resolve(subjectToken, subjectType, "subject_token", client.clientId())
                .chain(subject -> actor.chain(act -> {
                    keepsItsKey(subject, "subject_token", proof);
                    act.ifPresent(a -> keepsItsKey(a, "actor_token", proof));
                    return exchange(request, client, subject, act, targets, jkt);
                }));
    }

    /**
     * The key the issued token is bound to: the proof's, or {@code dpop_jkt} from a confidential client
     * (public clients prove their own key); both present must agree.
     */
    private static Optional<String> bindTo(String dpopJkt, RegisteredClient client, Optional<DpopProof> proof) {
        if (dpopJkt == null) {
            return proof.map(DpopProof::jkt);
        }
        if (!client.entry().isConfidential()) {
            throw OAuthException.invalidRequest("dpop_jkt is accepted from confidential clients only; send a DPoP proof instead");
        }
        if (!JwkThumbprints.isWellFormed(dpopJkt)) {
            throw OAuthException.invalidRequest("dpop_jkt must be a JWK SHA-256 thumbprint (RFC 7638): 43 base64url characters");
        }
        if (proof.isPresent() && !proof.get().jkt().equals(dpopJkt)) {
            throw OAuthException.invalidDpopProof("dpop_jkt is not the thumbprint of the DPoP proof's key");
        }
        return Optional.of(dpopJkt);
    }

    /** A DPoP-bound token of ours is exchanged only by whoever proves its key (no laundering into a bearer token). */
    private static void keepsItsKey(Subject token, String name, Optional<DpopProof> proof) {
        if (token.jkt().isPresent() && !proof.map(DpopProof::jkt).filter(token.jkt().get()::equals).isPresent()) {
            throw OAuthException.invalidDpopProof(name + " is DPoP-bound: its exchange needs a DPoP proof signed with its key");
        }
    }

    private Uni<TokenResponse> exchange(FormRequest request, RegisteredClient client, Subject subject,
            Optional<Subject> actor, List<String> targets, Optional<String> jkt) {
        actor.ifPresent(a -> checkMayAct(subject, a));
        ClientEntry entry = client.entry();
        Set<String> allowance = new LinkedHashSet<>(entry.scope());
        String scope = request.get("scope");
        if (subject.scopes().isPresent()) {
            Set<String> held = subject.scopes().get();
            if (scope != null) {
                for (String s : ScopePolicy.parse(scope)) {
                    if (!held.contains(s)) {
                        throw OAuthException.invalidScope("scope '" + s + "' is not held by the subject token; exchange can only narrow");
                    }
                }
            }
            allowance.retainAll(held);
        }
        return users.decide(entry, GrantTypes.TOKEN_EXCHANGE, subject, allowance, scope, targets)
                .chain(grant -> {
                    Map<String, Object> extra = new LinkedHashMap<>();
                    actor.ifPresent(a -> extra.put("act", act(a)));
                    IssuedToken token = users.issue(entry, grant, lifetime(entry, subject), extra, jkt);
                    TokenResponse response = new TokenResponse(token, null, TokenTypes.ACCESS_TOKEN, grant.interactions());
                    // RFC 8693 §2.2.1 allows a refresh token: given for a user's login (an external id_token,
                    // no actor) to a client that may refresh, e.g. the orchestrator keeping a session alive
                    if (!entry.allowsGrant(GrantTypes.REFRESH_TOKEN) || subject.scopes().isPresent() || actor.isPresent()) {
                        return Uni.createFrom().item(response);
                    }
                    // a confidential client's refresh tokens are not bound (RFC 9449 §5): it authenticates
                    return refreshTokens.issue(new RefreshTokenStore.Family(null, entry.clientId(), subject.subject(),
                                    subject.issuer(), IdentityClaims.toJson(subject.claims()), grant.refreshableScope(),
                                    entry.isConfidential() ? null : jkt.orElse(null)))
                            .map(refresh -> new TokenResponse(token, refresh, TokenTypes.ACCESS_TOKEN, grant.interactions()));
                });
    }

    /** RFC 8693 §4.1: the acting party, with any earlier chain of actors nested inside. */
    private static Map<String, Object> act(Subject actor) {
        Map<String, Object> act = new LinkedHashMap<>();
        act.put("sub", actor.subject());
        act.put("iss", actor.issuer());
        actor.act().ifPresent(prior -> act.put("act", prior));
        return act;
    }

    /** RFC 8693 §4.4: when the subject token names who may act for it, the actor must be that party. */
    private static void checkMayAct(Subject subject, Subject actor) {
        if (subject.mayAct().isEmpty()) {
            return;
        }
        Map<String, Object> mayAct = subject.mayAct().get();
        boolean subMatches = actor.subject().equals(mayAct.get("sub"));
        boolean issMatches = !mayAct.containsKey("iss") || actor.issuer().equals(mayAct.get("iss"));
        if (!subMatches || !issMatches) {
            throw OAuthException.invalidRequest("actor_token is not acceptable: the subject token's may_act does not name this actor");
        }
    }

    /** Our own tokens are never extended by exchanging them. */
    private int lifetime(ClientEntry client, Subject subject) {
        if (subject.scopes().isEmpty()) {
            return client.accessTokenLifetime();
        }
        long remaining = Duration.between(clock.instant(), subject.expiresAt()).toSeconds();
        return (int) Math.max(1, Math.min(client.accessTokenLifetime(), remaining));
    }

    private String token(FormRequest request, String name, boolean required) {
        String value = required ? request.require(name) : request.get(name);
        if (value != null && value.length() > maxTokenLength) {
            throw OAuthException.invalidRequest(name + " is longer than " + maxTokenLength + " characters");
        }
        return value;
    }
}
