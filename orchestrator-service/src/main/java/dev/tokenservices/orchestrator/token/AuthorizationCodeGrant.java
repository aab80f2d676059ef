package dev.tokenservices.orchestrator.token;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.refresh.RefreshFamilies;
import dev.tokenservices.core.token.Grant;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.orchestrator.exchange.TokenServiceClient;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.registry.ResourceIndicators;
import dev.tokenservices.orchestrator.session.AuthorizationCodes;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.GrantTypes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6) when the authorization request carried a challenge. The code is taken from Redis at once, its "used" marker
 * written in the same step: a wrong client, redirect URI or verifier burns it. However close together
 * two redemptions of one code come, exactly one issues, and what it issued is revoked (§4.1.2): the
 * orchestrator's refresh family and access token, the token service's refresh and access tokens.
 * Whichever of the two learns of the other last does the revoking (see {@link AuthorizationCodes}).
 * With {@code resource} (RFC 8707 §2.2) the response's {@code access_tokens} hold only the APIs
 * asked for, among those the authorization request covered ({@code invalid_target} beyond them); the
 * others' access tokens are revoked at the token service, and the refresh token keeps the whole grant.
 *
 * <p>DPoP (RFC 9449): a code bound to a key ({@code dpop_jkt} at /authorize, a proof at /par, §10) is
 * redeemed only with a proof of that key. With a proof, the response's access token and each API's
 * token are bound to its key ({@code token_type: DPoP}), and a public client's refresh token too. The
 * API tokens were bound when they were obtained if the key was known then; a proof the authorization
 * request did not announce comes too late for that, and they are bound now ({@link TokenServiceClient#bound}).
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
    private final LoginMetrics metrics;

    public AuthorizationCodeGrant(AuthorizationCodes codes, TokenIssuance issuance, RefreshTokens refreshTokens,
            Revocations revocations, ResourceIndicators resources, TokenServiceClient tokenService, LoginMetrics metrics) {
        this.codes = codes;
        this.issuance = issuance;
        this.refreshTokens = refreshTokens;
        this.revocations = revocations;
        this.resources = resources;
        this.tokenService = tokenService;
        this.metrics = metrics;
    }

    @Override
    public Grant grant() {
        return Grant.AUTHORIZATION_CODE;
    }

    @Override
    public Uni<Map<String, Object>> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof) {
        String code = request.require("code");
        String redirectUri = request.get("redirect_uri");
        String verifier = request.get("code_verifier");
        // malformed or unknown resources are refused before the code is taken
        resources.requested(request.all("resource"), client.entry());
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
            checkVerifier(verifier, grant.request().codeChallenge(), client);
            String dpopJkt = dpopKey(grant.request().dpopJkt(), proof);
            List<String> asked = resources.within(request.all("resource"), resources.covered(grant.request().scopes()), client.entry());
            return issue(code, client, grant, asked, dpopJkt);
        });
    }

    /**
     * RFC 9449 §10: a code bound to a key needs a proof of that key.
     *
     * @return the proof's key, or null without a proof
     */
    private String dpopKey(String codeJkt, Optional<DpopProof> proof) {
        if (codeJkt != null && !proof.map(DpopProof::jkt).filter(codeJkt::equals).isPresent()) {
            metrics.redemption(grantType(), "wrong_dpop_key");
            throw OAuthException.invalidDpopProof("the authorization code is bound to a DPoP key (dpop_jkt): "
                    + "redeem it with a DPoP proof signed with that key");
        }
        return proof.map(DpopProof::jkt).orElse(null);
    }

    /**
     * RFC 7636 §4.6: a code requested with a challenge needs its verifier, whatever the client's
     * {@code require_pkce}. A code requested without one takes no verifier (RFC 9700 §2.1.1: a
     * verifier there would be a PKCE downgrade), and only a client that may go without PKCE redeems it.
     */
    private void checkVerifier(String verifier, String challenge, RegisteredClient client) {
        if (challenge == null) {
            if (verifier != null) {
                metrics.redemption(grantType(), "wrong_verifier");
                throw OAuthException.invalidGrant("code_verifier was sent, but the authorization request had no code_challenge");
            }
            if (client.entry().requirePkce()) {
                metrics.redemption(grantType(), "wrong_verifier");
                throw OAuthException.invalidGrant("the authorization code was issued without PKCE, which this client must use");
            }
            return;
        }
        if (verifier == null || !VERIFIER.matcher(verifier).matches() || !Secrets.pkceMatches(verifier, challenge)) {
            metrics.redemption(grantType(), "wrong_verifier");
            throw OAuthException.invalidGrant("code_verifier does not match the code_challenge (PKCE)");
        }
    }

    /**
     * @param asked   the resources the token request names (RFC 8707 §2.2), or none for all
     * @param dpopJkt the key of the request's DPoP proof, or null
     */
    private Uni<Map<String, Object>> issue(String code, RegisteredClient client, AuthorizationCodes.CodeGrant grant, List<String> asked,
            String dpopJkt) {
        ExchangedTokens tokens = grant.tokens();
        ExchangedTokens narrowed = asked.isEmpty() ? tokens : tokens.only(asked);
        // the APIs the token request does not name: their access tokens reach no one
        List<String> unused = tokens.accessTokenValues().stream().filter(t -> !narrowed.accessTokenValues().contains(t)).toList();
        boolean refresh = client.allowsGrant(GrantTypes.REFRESH_TOKEN);
        Uni<Optional<RefreshFamilies.Started>> family = refresh
                ? refreshTokens.start(client.clientId(), grant.identity(),
                        // the family holds what was granted: a refresh may narrow it, never widen it (RFC 6749 §6)
                        TokenIssuance.granted(grant.request().scopes(), tokens), tokens.refreshTokens(),
                        // RFC 9449 §5: a public client's refresh token is bound to its key; a confidential client authenticates
                        grant.request().claims(), client.entry().isConfidential() ? null : dpopJkt).map(Optional::of)
                        // families live in PostgreSQL: while it is away the login still completes, without a
                        // refresh token (RFC 6749 §5.1: optional), rather than burning the code on a 503
                        .onFailure(e -> e instanceof OAuthException o && "temporarily_unavailable".equals(o.error()))
                        .recoverWithItem(e -> {
                            LOG.warnf("no refresh token for a login of %s: %s", client.clientId(), e.getMessage());
                            return Optional.empty();
                        })
                : Uni.createFrom().item(Optional.<RefreshFamilies.Started>empty());
        return revocations.atTokenService(unused)
                .chain(() -> tokenService.bound(narrowed, dpopJkt)
                        // no token of this login can be handed out now: its refresh tokens at the token service end too
                        .onFailure().call(() -> revocations.atTokenService(tokens.refreshTokens().values())))
                .chain(handed -> family.chain(started -> issuance.issue(client.entry(), grant.identity(), grant.request().scopes(),
                        grant.request().nonce(), handed, started.map(RefreshFamilies.Started::token).orElse(null),
                        grant.request().claims(), dpopJkt, asked.isEmpty() ? grant.request().resources() : asked)
                .chain(issued -> {
                    AuthorizationCodes.Issued record = new AuthorizationCodes.Issued(client.clientId(),
                            started.map(RefreshFamilies.Started::familyId).orElse(null), List.copyOf(tokens.refreshTokens().values()),
                            issued.userinfoToken(), issued.apiAccessTokens());
                    return codes.recordIssued(code, record).chain(recorded -> {
                        if (recorded) {
                            metrics.redemption(grantType(), "issued");
                            return Uni.createFrom().item(issued.response());
                        }
                        // a replay came while this redemption was issuing: what it issued ends now
                        metrics.redemption(grantType(), "issued_then_revoked");
                        return revocations.issuedForCode(record).replaceWith(issued.response());
                    });
                })));
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
