package dev.tokenservices.token.grant.devicecode;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.dpop.DpopProof;
import dev.tokenservices.core.token.Grant;
import dev.tokenservices.core.token.GrantHandler;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import dev.tokenservices.token.grant.TokenResponse;
import dev.tokenservices.token.grant.UserTokens;
import dev.tokenservices.token.grant.refresh.RefreshTokenStore;
import dev.tokenservices.token.issuance.IssuedToken;
import dev.tokenservices.token.subject.IdentityClaims;
import dev.tokenservices.token.subject.Subject;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The device's poll (RFC 8628 §3.4–3.5). The checks run in this order, inside one Redis script:
 * unknown code or another client's → {@code invalid_grant}; faster than the interval → {@code slow_down}
 * (and 5 s more for that device); expired → {@code expired_token}; denied → {@code access_denied};
 * pending → {@code authorization_pending}; approved → exactly one poll wins and receives tokens,
 * decided by the scope authorities like any user login. An approval without the portal's valid MAC
 * is treated as unknown ({@code invalid_grant}): writing to Redis does not approve a device.
 *
 * <p>DPoP (RFC 9449): the device keeps the key it proved first, at its authorization request or its
 * first poll (pinned on the record by the same script, right after the unknown check); a later poll
 * with another key or without a proof is {@code invalid_dpop_proof}. Its tokens are bound to that key:
 * the access token ({@code cnf.jkt}) and the refresh token's family (a device is a public client).
 */
@ApplicationScoped
public class DeviceCodeGrant implements GrantHandler<TokenResponse> {


    private final DeviceCodeStore store;
    private final UserTokens users;
    private final RefreshTokenStore refreshTokens;

    public DeviceCodeGrant(DeviceCodeStore store, UserTokens users, RefreshTokenStore refreshTokens) {
        this.store = store;
        this.users = users;
        this.refreshTokens = refreshTokens;
    }

    @Override
    public Grant grant() {
        return Grant.DEVICE_CODE;
    }

    @Override
    public Uni<TokenResponse> handle(FormRequest request, RegisteredClient client, Optional<DpopProof> proof) {
        // a code not of the form we hand out cannot name a record (it has no hash tag to look one up by)
        String record = DeviceCodes.recordKey(request.require("device_code")).orElseThrow(() -> OAuthException.invalidGrant(
                "the device_code is malformed; use the device_code from the device authorization response"));
        Optional<String> jkt = proof.map(DpopProof::jkt);
        return store.poll(record, client.clientId(), jkt).chain(poll -> switch (poll.outcome()) {
            case APPROVED -> issue(record, poll.approval(), client.entry(), jkt);
            case DPOP_KEY -> Uni.createFrom().failure(OAuthException.invalidDpopProof(
                    "this device_code is bound to the DPoP key the device proved first; poll with a proof of that key"));
            case SLOW_DOWN -> fail(OAuthErrors.SLOW_DOWN, "polling too fast; the interval is now 5 seconds longer");
            case EXPIRED -> fail(OAuthErrors.EXPIRED_TOKEN, "the device_code has expired; start again");
            case DENIED -> fail(OAuthErrors.ACCESS_DENIED, "the user denied the request");
            case PENDING -> fail(OAuthErrors.AUTHORIZATION_PENDING, "the user has not yet approved the request");
            // an approval without the portal's MAC is as good as no record
            case UNKNOWN, CONSUMED, FORGED -> fail(OAuthErrors.INVALID_GRANT,
                    "the device_code is unknown, was used, or belongs to another client");
        });
    }

    private Uni<TokenResponse> issue(String record, DeviceCodeStore.Approval approval, ClientEntry client, Optional<String> jkt) {
        return Uni.createFrom().deferred(() -> {
            Subject subject = new Subject(approval.subject(), approval.idp(), IdentityClaims.parse(approval.claimsJson()),
                    Optional.empty(), Instant.MAX, Optional.empty(), Optional.empty(), Optional.empty());
            return users.decide(client, GrantTypes.DEVICE_CODE, subject, client.scope(), blankToNull(approval.scope()), List.of())
                    .chain(grant -> {
                        IssuedToken token = users.issue(client, grant, client.accessTokenLifetime(), Map.of(), jkt);
                        if (!client.allowsGrant(GrantTypes.REFRESH_TOKEN)) {
                            return Uni.createFrom().item(new TokenResponse(token, null, null, grant.interactions()));
                        }
                        // RFC 9449 §5: a public client's refresh token is bound to its key
                        String familyJkt = client.isConfidential() ? null : jkt.orElse(null);
                        return refreshTokens.issue(new RefreshTokenStore.Family(null, client.clientId(), subject.subject(),
                                        subject.issuer(), approval.claimsJson(), grant.refreshableScope(), familyJkt))
                                .map(refresh -> new TokenResponse(token, refresh, null, grant.interactions()));
                    });
        })
                // a passing failure (an authority or the database away) must not lose the user's approval
                .onFailure(e -> e instanceof OAuthException o && o.status() == 503)
                .call(e -> store.restoreApproved(record).onFailure().recoverWithNull());
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static <T> Uni<T> fail(String error, String description) {
        return Uni.createFrom().failure(new OAuthException(error, description, 400));
    }
}
