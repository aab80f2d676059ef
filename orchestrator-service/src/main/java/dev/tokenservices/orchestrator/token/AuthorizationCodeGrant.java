package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.refresh.RefreshFamilies;
import dev.tokenservices.core.token.Grant;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.orchestrator.exchange.TokenServiceClient;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.registry.ResourceIndicators;
import dev.tokenservices.orchestrator.session.AuthorizationCodes;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.GrantTypes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6) when the authorization request carried a challenge. The
 * code is taken from Redis at once, its "used" marker written in the same step: a wrong client,
 * redirect URI, verifier or DPoP key burns it. However close together two redemptions of one code
 * come, exactly one issues, and what it issued is revoked (§4.1.2): the orchestrator's refresh family
 * and access token, the token service's refresh and access tokens. Whichever of the two learns of
 * the other last does the revoking (see {@link AuthorizationCodes}).
 *
 * <p>With {@code resource} (RFC 8707 §2.2) the response's {@code access_tokens} hold only the APIs
 * asked for, among those the authorization request covered; the others' access tokens are revoked at
 * the token service, and the refresh token keeps the whole grant. A resource beyond the grant is
 * {@code invalid_target} before the code is taken ({@link #withinGrant}): the code stays usable.
 *
 * <p>DPoP (RFC 9449): a code bound to a key ({@code dpop_jkt} at /authorize, a proof at /par, §10) is
 * redeemed only with a proof of that key. With a proof, the response's access token and each API's
 * token are bound to its key ({@code token_type: DPoP}), and a public client's refresh token too. The
 * API tokens were bound when they were obtained if the key was known then; a proof the authorization
 * request did not announce comes after that, and they are obtained again for its key ({@link #handedOut}).
 */
@ApplicationScoped
public class AuthorizationCodeGrant implements GrantHandler<Map<String, Object>> {

    private static final Logger LOG = Logger.getLogger(AuthorizationCodeGrant.class);

    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");
    private static final String INVALID = "the authorization code is invalid, expired or already used";

    private final AuthorizationCodes codes;
    private final TokenIssuance issuance;
    private final RefreshTokens refreshTokens;
    private final Revocations revocations;
    private final ResourceIndicators resources;
    private final TokenServiceClient tokenService;
    private final Clients clients;
    private final LoginMetrics metrics;
    private final Clock clock;

    public AuthorizationCodeGrant(AuthorizationCodes codes, TokenIssuance issuance, RefreshTokens refreshTokens,
            Revocations revocations, ResourceIndicators resources, TokenServiceClient tokenService, Clients clients,
            LoginMetrics metrics, Clock clock) {
        this.codes = codes;
        this.issuance = issuance;
        this.refreshTokens = refreshTokens;
        this.revocations = revocations;
        this.resources = resources;
        this.tokenService = tokenService;
        this.clients = clients;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Grant grant() {
        return Grant.AUTHORIZATION_CODE;
    }

    /** The redemption as sent: what the code's grant is checked against. */
    private record Redemption(RegisteredClient client, String redirectUri, String verifier, Optional<DpopProof> proof,
            List<String> resources) {
    }

    /** Why a code's grant refuses a redemption: the metric's outcome, and the error. */
    private record Refusal(String outcome, OAuthException error) {
    }

    @Override
    public Uni<Map<String, Object>> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof) {
        String code = request.require("code");
        Redemption redemption = new Redemption(client, request.get("redirect_uri"), request.get("code_verifier"), proof,
                request.all("resource"));
        // malformed or unknown resources are refused before the code is looked at
        resources.requested(redemption.resources(), client.entry());
        return withinGrant(code, redemption).chain(() -> codes.redeem(code)).chain(found -> {
            if (found.isEmpty()) {
                return replayed(code);
            }
            AuthorizationCodes.CodeGrant grant = found.get().grant();
            Optional<Refusal> refusal = refusal(grant, redemption);
            if (refusal.isPresent()) {
                metrics.redemption(grantType(), refusal.get().outcome());
                throw refusal.get().error();
            }
            List<String> asked = resources.within(redemption.resources(), resources.covered(grant.request().scopes()), client.entry());
            return issue(found.get(), code, client, asked, proof.map(DpopProof::jkt).orElse(null));
        });
    }

    /**
     * RFC 8707 §2.2, before the code is taken: a {@code resource} beyond the grant, sent by the code's
     * own client (its redirect URI, verifier and DPoP key right), is {@code invalid_target} with the
     * code left as it was. Nothing was issued for it, so the code was not used (RFC 6749 §4.1.2 asks
     * for one use, and the revocation of what a second one finds issued); the client may correct its
     * request within the code's short lifetime. A redemption the code refuses for any other reason is
     * left to {@link AuthorizationCodes#redeem}, which spends the code: whoever sent it may not be the
     * client.
     */
    private Uni<Void> withinGrant(String code, Redemption redemption) {
        if (redemption.resources().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return codes.peek(code)
                .invoke(found -> found.filter(grant -> refusal(grant, redemption).isEmpty()).ifPresent(grant ->
                        resources.within(redemption.resources(), resources.covered(grant.request().scopes()), redemption.client().entry())))
                .replaceWithVoid();
    }

    /** What the code's grant holds against this redemption: client, redirect URI, PKCE, DPoP key, in that order. */
    private static Optional<Refusal> refusal(AuthorizationCodes.CodeGrant grant, Redemption redemption) {
        AuthorizationRequest request = grant.request();
        if (!request.clientId().equals(redemption.client().clientId())) {
            return refused("wrong_client", OAuthException.invalidGrant("the authorization code was issued to another client"));
        }
        if (redemption.redirectUri() == null || !redemption.redirectUri().equals(request.redirectUri())) {
            return refused("wrong_redirect_uri", OAuthException.invalidGrant("redirect_uri does not match the one of the authorization request"));
        }
        Optional<String> pkce = verifierRefusal(redemption.verifier(), request.codeChallenge(), redemption.client());
        if (pkce.isPresent()) {
            return refused("wrong_verifier", OAuthException.invalidGrant(pkce.get()));
        }
        // RFC 9449 §10: a code bound to a key needs a proof of that key
        if (request.dpopJkt() != null && !redemption.proof().map(DpopProof::jkt).filter(request.dpopJkt()::equals).isPresent()) {
            return refused("wrong_dpop_key", OAuthException.invalidDpopProof("the authorization code is bound to a DPoP key (dpop_jkt): "
                    + "redeem it with a DPoP proof signed with that key"));
        }
        return Optional.empty();
    }

    private static Optional<Refusal> refused(String outcome, OAuthException error) {
        return Optional.of(new Refusal(outcome, error));
    }

    /**
     * RFC 7636 §4.6: a code requested with a challenge needs its verifier, whatever the client's
     * {@code require_pkce}. A code requested without one takes no verifier (RFC 9700 §2.1.1: a
     * verifier there would be a PKCE downgrade), and only a client that may go without PKCE redeems it.
     *
     * @return why the verifier is refused, or empty
     */
    private static Optional<String> verifierRefusal(String verifier, String challenge, RegisteredClient client) {
        if (challenge == null) {
            if (verifier != null) {
                return Optional.of("code_verifier was sent, but the authorization request had no code_challenge");
            }
            if (client.entry().requirePkce()) {
                return Optional.of("the authorization code was issued without PKCE, which this client must use");
            }
            return Optional.empty();
        }
        if (verifier == null || !VERIFIER.matcher(verifier).matches() || !Secrets.pkceMatches(verifier, challenge)) {
            return Optional.of("code_verifier does not match the code_challenge (PKCE)");
        }
        return Optional.empty();
    }

    /**
     * @param asked   the resources the token request names (RFC 8707 §2.2), or none for all
     * @param dpopJkt the key of the request's DPoP proof, or null
     */
    private Uni<Map<String, Object>> issue(AuthorizationCodes.Redeemed redeemed, String code, RegisteredClient client, List<String> asked,
            String dpopJkt) {
        AuthorizationCodes.CodeGrant grant = redeemed.grant();
        ExchangedTokens tokens = grant.tokens();
        ExchangedTokens narrowed = asked.isEmpty() ? tokens : tokens.only(asked);
        // the APIs the token request does not name: their access tokens reach no one
        List<String> unused = tokens.accessTokenValues().stream().filter(t -> !narrowed.accessTokenValues().contains(t)).toList();
        List<String> unhanded = new ArrayList<>(tokens.refreshTokens().values());
        unhanded.addAll(narrowed.accessTokenValues());
        return revocations.atTokenService(unused)
                .chain(() -> handedOut(grant, narrowed, dpopJkt)
                        // no token of this login can be handed out now: its tokens at the token service end too
                        .onFailure().call(() -> revocations.atTokenService(unhanded)))
                .chain(handed -> {
                    // what the login holds from now on: the tokens obtained again, where they were
                    ExchangedTokens login = tokens.replacing(narrowed.accessTokens().keySet(), handed);
                    return family(client, grant, login, dpopJkt).chain(started -> issuance.issue(client.entry(), grant.identity(),
                                    grant.request().scopes(), grant.request().nonce(), handed,
                                    started.map(RefreshFamilies.Started::token).orElse(null), grant.request().claims(), dpopJkt,
                                    asked.isEmpty() ? grant.request().resources() : asked)
                            .chain(issued -> recorded(redeemed, code, new AuthorizationCodes.Issued(client.clientId(),
                                    started.map(RefreshFamilies.Started::familyId).orElse(null), List.copyOf(login.refreshTokens().values()),
                                    issued.userinfoToken(), issued.apiAccessTokens()), issued.response())));
                });
    }

    /**
     * The API tokens to hand out: as obtained at the callback (bound there when the key was known,
     * else bearer tokens, right for a request without a proof). A proof the authorization request did
     * not announce shows after they were obtained: the login's upstream id_token is exchanged again
     * with {@code dpop_jkt} for the same APIs and scopes, so each authority decides on what it decided
     * on at the callback (the user's identity claims included), and the callback's tokens are revoked.
     * An upstream id_token too close to its expiry for that is {@code invalid_grant}: log in again.
     */
    private Uni<ExchangedTokens> handedOut(AuthorizationCodes.CodeGrant grant, ExchangedTokens narrowed, String dpopJkt) {
        if (dpopJkt == null || grant.request().dpopJkt() != null || narrowed.accessTokens().isEmpty()) {
            return Uni.createFrom().item(narrowed);
        }
        if (!grant.identity().exchangeable(clock.instant().getEpochSecond())) {
            metrics.redemption(grantType(), "upstream_expired");
            return Uni.createFrom().failure(OAuthException.invalidGrant("the sign-in at the identity provider has expired: the API"
                    + " tokens cannot be bound to this DPoP key any more; log in again (a key named at /authorize with dpop_jkt, or"
                    + " proved at /par, binds them at the sign-in)"));
        }
        Set<String> apis = narrowed.accessTokens().keySet();
        List<String> apiScopes = grant.request().scopes().stream()
                .filter(scope -> apis.stream().anyMatch(api -> clients.resourceScopes(api).contains(scope))).toList();
        return tokenService.exchange(grant.identity().upstreamIdToken(), apiScopes, dpopJkt)
                .call(() -> revocations.atTokenService(narrowed.bearerTokens()));
    }

    /** The login's refresh family, when the client may refresh; PostgreSQL away, none (the login still completes). */
    private Uni<Optional<RefreshFamilies.Started>> family(RegisteredClient client, AuthorizationCodes.CodeGrant grant, ExchangedTokens login,
            String dpopJkt) {
        if (!client.allowsGrant(GrantTypes.REFRESH_TOKEN)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return refreshTokens.start(client.clientId(), grant.identity(),
                        // the family holds what was granted: a refresh may narrow it, never widen it (RFC 6749 §6)
                        TokenIssuance.granted(grant.request().scopes(), login), login.refreshTokens(),
                        // RFC 9449 §5: a public client's refresh token is bound to its key; a confidential client authenticates
                        grant.request().claims(), client.entry().isConfidential() ? null : dpopJkt).map(Optional::of)
                // families live in PostgreSQL: while it is away the login still completes, without a
                // refresh token (RFC 6749 §5.1: optional), rather than burning the code on a 503
                .onFailure(e -> e instanceof OAuthException o && "temporarily_unavailable".equals(o.error()))
                .recoverWithItem(e -> {
                    LOG.warnf("no refresh token for a login of %s: %s", client.clientId(), e.getMessage());
                    return Optional.empty();
                });
    }

    /** Records what the redemption issued; a replay that came meanwhile has it revoked at once. */
    private Uni<Map<String, Object>> recorded(AuthorizationCodes.Redeemed redeemed, String code, AuthorizationCodes.Issued record,
            Map<String, Object> response) {
        return codes.recordIssued(redeemed, code, record).chain(recorded -> {
            if (recorded) {
                metrics.redemption(grantType(), "issued");
                return Uni.createFrom().item(response);
            }
            // a replay came while this redemption was issuing: what it issued ends now
            metrics.redemption(grantType(), "issued_then_revoked");
            return revocations.issuedForCode(record).replaceWith(response);
        });
    }

    /** Unknown, expired, or used: if used, everything the first use issued is (or will be) revoked. */
    private Uni<Map<String, Object>> replayed(String code) {
        return codes.replayed(code).chain(replay -> {
            if (replay instanceof AuthorizationCodes.Replayed replayed) {
                metrics.redemption(grantType(), "replayed");
                return replayed.toRevoke().map(revocations::issuedForCode).orElse(Uni.createFrom().voidItem())
                        .onItemOrFailure().transformToUni((ignored, failure) -> Uni.createFrom().failure(OAuthException.invalidGrant(INVALID)));
            }
            metrics.redemption(grantType(), "unknown_code");
            return Uni.createFrom().failure(OAuthException.invalidGrant(INVALID));
        });
    }
}
