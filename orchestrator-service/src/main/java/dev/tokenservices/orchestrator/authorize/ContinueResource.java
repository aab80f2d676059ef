package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.session.InteractionTickets;
import dev.tokenservices.orchestrator.web.PageException;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Where an API's page sends the browser back after an interaction ({@code return_to}):
 * {@code /continue?ticket=…}, or {@code &declined=true} when the user declined there. The ticket
 * counts only with this browser's cookie for it, once, within its lifetime ({@link InteractionTickets});
 * otherwise the answer is an error page (the ticket stands for someone's login, not for a client
 * that could be told) and nothing changes. Then the login goes on ({@link LoginFlow#resume}); the
 * ticket's cookie is expired.
 */
@Path("/continue")
public class ContinueResource {

    private final InteractionTickets tickets;
    private final LoginFlow flow;
    private final LoginMetrics metrics;

    public ContinueResource(InteractionTickets tickets, LoginFlow flow, LoginMetrics metrics) {
        this.tickets = tickets;
        this.flow = flow;
        this.metrics = metrics;
    }

    @GET
    public Uni<Response> resume(@QueryParam("ticket") String ticket, @QueryParam("declined") String declined,
            @Context HttpHeaders headers) {
        return tickets.take(ticket, headers.getCookies())
                .onFailure(OAuthException.class).transform(e -> OAuthErrors.TEMPORARILY_UNAVAILABLE.equals(((OAuthException) e).error())
                        ? PageException.unavailable("Signing in is not possible right now; try again in a moment.") : e)
                .chain(opened -> {
                    if (opened.waiting() == null) {
                        metrics.failed(opened.refusal() == InteractionTickets.Refusal.NOT_THIS_BROWSER ? "ticket_other_browser" : "bad_ticket");
                        throw PageException.badRequest(opened.refusal() == InteractionTickets.Refusal.NOT_THIS_BROWSER
                                ? "This sign-in was not started in this browser. Start again from the application."
                                : "This sign-in has expired or was already completed. Start again from the application.");
                    }
                    return flow.resume(opened.waiting(), "true".equals(declined))
                            .map(response -> Response.fromResponse(response).cookie(tickets.cleared(ticket)).build());
                });
    }
}
