package dev.tokenservices.orchestrator.config;

import dev.tokenservices.orchestrator.authorize.PendingLogin;
import dev.tokenservices.orchestrator.logout.IdTokenHints;
import dev.tokenservices.orchestrator.logout.UpstreamLogoutReturns;
import dev.tokenservices.orchestrator.session.AccessTokenIndex;
import dev.tokenservices.orchestrator.session.AuthorizationCodes;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.session.InteractionTickets;
import dev.tokenservices.orchestrator.session.PushedRequests;
import dev.tokenservices.orchestrator.session.RefreshTokens;
import dev.tokenservices.orchestrator.session.SsoSessions;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Types that Jackson reads and writes through our own mapper ({@code web.Json}): the records kept in
 * Redis, a refresh family's payload in PostgreSQL, and the records they hold, so a native image keeps
 * their constructors and accessors. The documents sent to clients are maps and need nothing.
 */
@RegisterForReflection(targets = {RefreshTokens.Login.class, SsoSessions.Session.class,
        PendingLogin.class, AuthorizationCodes.CodeGrant.class, AuthorizationCodes.Issued.class,
        AccessTokenIndex.Entry.class, Identity.class, AuthorizationRequest.class, ExchangedTokens.class,
        ExchangedTokens.PerResource.class, AuthorizationCodes.UsedMarker.class, UpstreamLogoutReturns.Return.class,
        IdTokenHints.Hint.class, ClaimsRequest.class, ExchangedTokens.Interaction.class, InteractionTickets.Waiting.class,
        PushedRequests.Pushed.class})
public final class NativeReflection {
    private NativeReflection() {
    }
}
