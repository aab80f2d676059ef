package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.core.authority.Interaction;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.metrics.InteractionEvent;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.session.InteractionTickets;
import dev.tokenservices.orchestrator.token.Revocations;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The detour of a browser login to the page of an API that asks the user for something first
 * (ARCHITECTURE "What comes next"): the browser goes to the interaction's {@code url} with a
 * {@code ticket} ({@link InteractionTickets}: single use, short-lived, bound to this browser) and
 * {@code return_to=<issuer>/continue}; the page brings the ticket back there. The tokens the
 * exchange gave before the detour are revoked: the way back exchanges again, with what is granted
 * then. Each step is an {@link InteractionEvent} (audit and metrics).
 */
@ApplicationScoped
public class InteractionDetours {

    private static final Logger LOG = Logger.getLogger(InteractionDetours.class);

    private final InteractionTickets tickets;
    private final Revocations revocations;
    private final Event<InteractionEvent> events;
    private final String returnTo;

    public InteractionDetours(InteractionTickets tickets, Revocations revocations, Event<InteractionEvent> events,
            OrchestratorConfig config) {
        this.tickets = tickets;
        this.revocations = revocations;
        this.events = events;
        this.returnTo = config.issuer().replaceAll("/+$", "") + "/continue";
    }

    /**
     * Whether the browser may be sent to this interaction's page: the token service checked the url
     * by the same rule ({@link Interaction#validUrl}: https, or http on a loopback host; no user
     * info, no fragment); a browser is never sent anywhere else, whatever a peer says.
     */
    public boolean followable(ExchangedTokens.Interaction interaction) {
        if (Interaction.validUrl(interaction.url())) {
            return true;
        }
        LOG.warnf("the interaction of %s is not followed: its url breaks the rules for one", interaction.resource());
        return false;
    }

    /**
     * Sends the browser to {@code interaction}'s page, after revoking {@code unused} (the tokens of
     * the exchange that asked for it).
     *
     * @param visited       the resources asked before in this login
     * @param sessionCookie the SSO session cookie to set on the way (a login just completed upstream), or null
     */
    public Uni<Response> detour(AuthorizationRequest request, Identity identity, ExchangedTokens.Interaction interaction,
            List<String> visited, NewCookie sessionCookie, ExchangedTokens unused) {
        List<String> nowVisited = new ArrayList<>(visited);
        nowVisited.add(interaction.resource());
        return revocations.atTokenService(unused.bearerTokens())
                .chain(() -> tickets.issue(request, identity, interaction, nowVisited))
                .map(issued -> {
                    events.fire(event(request, identity, interaction, InteractionEvent.ASKED));
                    Response.ResponseBuilder redirect = Response.status(302)
                            .location(URI.create(Interaction.link(interaction.url(), issued.ticket(), returnTo)))
                            .header("Cache-Control", "no-store").header("Pragma", "no-cache").header("Referrer-Policy", "no-referrer")
                            .cookie(issued.cookie());
                    if (sessionCookie != null) {
                        redirect.cookie(sessionCookie);
                    }
                    return redirect.build();
                });
    }

    /** The browser came back from {@code interaction}'s page; {@code tokens} is what the authorities say now. */
    public void returned(AuthorizationRequest request, Identity identity, ExchangedTokens.Interaction interaction, boolean declined,
            ExchangedTokens tokens) {
        boolean stillWaiting = tokens.interactions().stream().anyMatch(i -> i.resource().equals(interaction.resource()));
        events.fire(event(request, identity, interaction, declined || stillWaiting ? InteractionEvent.DECLINED : InteractionEvent.COMPLETED));
    }

    /** Unused tokens of an exchange whose login does not go on (prompt=none), revoked at the token service. */
    public Uni<Void> discard(ExchangedTokens unused) {
        return revocations.atTokenService(unused.bearerTokens());
    }

    private static InteractionEvent event(AuthorizationRequest request, Identity identity, ExchangedTokens.Interaction interaction,
            String outcome) {
        return new InteractionEvent(request.clientId(), identity.idpId(), identity.subject(), interaction.resource(),
                interaction.reason(), outcome);
    }
}
