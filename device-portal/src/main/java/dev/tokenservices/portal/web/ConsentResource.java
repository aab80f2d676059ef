package dev.tokenservices.portal.web;

import dev.tokenservices.core.authority.InteractionMetrics;
import dev.tokenservices.core.authority.InteractionRequired;
import dev.tokenservices.portal.audit.DeviceDecided;
import dev.tokenservices.portal.audit.InteractionReturned;
import dev.tokenservices.portal.interaction.ConsentPreview;
import dev.tokenservices.portal.interaction.InteractionTickets;
import dev.tokenservices.portal.interaction.PortalAuthorities;
import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.portal.registry.DeviceClients;
import dev.tokenservices.portal.usercode.Approval;
import dev.tokenservices.portal.usercode.ApproverIdentity;
import dev.tokenservices.portal.usercode.CodeLookup;
import dev.tokenservices.portal.usercode.DeviceRequest;
import dev.tokenservices.portal.usercode.DeviceRequests;
import dev.tokenservices.portal.usercode.UserCodes;
import dev.tokenservices.portal.web.Csrf.Browser;
import dev.tokenservices.shared.device.DeviceCodes;
import dev.tokenservices.shared.registry.ClientEntry;
import io.quarkus.oidc.IdToken;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * The consent step (RFC 8628 §3.3, §5.4): a logged-in user sees which device asks for what, compares
 * the code with the one on its screen, and approves or denies. The code travels in the query string,
 * so that a login in between comes back to the same request; the decision needs the CSRF token.
 *
 * <p>The page shows what the device would get now: the scope authorities of its resources are asked
 * as the device's poll will ask them ({@link PortalAuthorities}). An API that first asks the user for
 * something (subscribe, accept terms…: ARCHITECTURE "What comes next") is listed with its message and
 * a link to its page carrying a {@code ticket} ({@link InteractionTickets}) and
 * {@code return_to=<portal.url>/device/consent}. Back here with {@code ?ticket=…} (and
 * {@code &declined=true}), the ticket is checked (this browser, this user, once, in time) and the
 * browser sent on to the consent page of its code, which asks the authorities again. Allowing without
 * the interaction approves as always: the device gets the rest, and its token response lists what waits.
 */
@Path("/device/consent")
@Authenticated
public class ConsentResource {

    private static final Logger LOG = Logger.getLogger(ConsentResource.class);

    @Inject
    @IdToken
    JsonWebToken idToken;

    private final Csrf csrf;
    private final UserCodes userCodes;
    private final DeviceRequests requests;
    private final DeviceClients clients;
    private final ScopeWords scopeWords;
    private final ClientAddresses addresses;
    private final PortalConfig config;
    private final Event<DeviceDecided> decided;
    private final PortalAuthorities authorities;
    private final InteractionTickets tickets;
    private final Event<InteractionReturned> returned;
    /** Where an API's page sends the user back: this page, without the code (the ticket names it). */
    private final String returnTo;

    public ConsentResource(Csrf csrf, UserCodes userCodes, DeviceRequests requests, DeviceClients clients,
            ScopeWords scopeWords, ClientAddresses addresses, PortalConfig config, Event<DeviceDecided> decided,
            PortalAuthorities authorities, InteractionTickets tickets, Event<InteractionReturned> returned) {
        this.csrf = csrf;
        this.userCodes = userCodes;
        this.requests = requests;
        this.clients = clients;
        this.scopeWords = scopeWords;
        this.addresses = addresses;
        this.config = config;
        this.decided = decided;
        this.authorities = authorities;
        this.tickets = tickets;
        this.returned = returned;
        this.returnTo = config.url().toString().replaceAll("/+$", "") + "/device/consent";
    }

    @GET
    @Produces(Html.MEDIA_TYPE)
    public Uni<Response> show(@QueryParam("user_code") String userCode, @QueryParam("ticket") String ticket,
            @QueryParam("declined") String declined, @CookieParam(Csrf.COOKIE) String cookie, @Context HttpServerRequest request) {
        Browser browser = csrf.browser(cookie);
        Optional<Approval> approval = ApproverIdentity.of(idToken);
        if (approval.isEmpty()) {
            return Uni.createFrom().item(signInIncomplete());
        }
        if (ticket != null) {
            return cameBack(ticket, "true".equals(declined), approval.get(), browser);
        }
        SignedIn user = new SignedIn(ApproverIdentity.displayName(idToken), ApproverIdentity.email(idToken).orElse(null));
        return userCodes.enter(userCode, browser.session(), addresses.of(request))
                .chain(lookup -> {
                    if (!lookup.isPending()) {
                        return Uni.createFrom().item(DeviceResource.codeRefused(lookup, userCode, browser, config));
                    }
                    DeviceRequest device = lookup.request().orElseThrow();
                    Optional<ClientEntry> client = clients.find(device.clientId());
                    return client.isEmpty() ? Uni.createFrom().item(unregistered())
                            : consentPage(device, client.get(), approval.get(), user, browser);
                });
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(Html.MEDIA_TYPE)
    public Uni<Response> decide(@QueryParam("user_code") String userCode, byte[] body, @CookieParam(Csrf.COOKIE) String cookie,
            @Context HttpServerRequest request) {
        FormBody form = FormBody.parse(body).orElse(null);
        if (form == null) {
            return Uni.createFrom().item(Html.unreadableForm());
        }
        if (!csrf.verify(cookie, form.get(Csrf.FIELD))) {
            return Uni.createFrom().item(Html.forbiddenForm());
        }
        String decision = form.get("decision");
        if (!"approve".equals(decision) && !"deny".equals(decision)) {
            return Uni.createFrom().item(Html.problem(400, "Choose Allow or Deny",
                    "The form did not say whether to allow or deny the device. Go back and choose one."));
        }
        Optional<Approval> approval = ApproverIdentity.of(idToken);
        if (approval.isEmpty()) {
            return Uni.createFrom().item(signInIncomplete());
        }
        boolean approve = "approve".equals(decision);
        Browser browser = csrf.browser(cookie);
        return userCodes.enter(userCode, browser.session(), addresses.of(request))
                .chain(lookup -> !lookup.isPending() ? Uni.createFrom().item(DeviceResource.codeRefused(lookup, userCode, browser, config))
                        : registered(lookup.request().orElseThrow()) ? record(lookup.request().orElseThrow(), approve, approval.get())
                        : Uni.createFrom().item(unregistered()));
    }

    /** Whether the registry (as it is now) still lists the device's client: one removed since is given nothing. */
    private boolean registered(DeviceRequest device) {
        return clients.find(device.clientId()).isPresent();
    }

    private static Response unregistered() {
        return Html.problem(403, "Unknown device", "This device is not registered with this service, so it cannot be given "
                + "access. Nothing was recorded.");
    }

    private static Response signInIncomplete() {
        LOG.warn("the id_token of the login names no subject or issuer; cannot record a decision");
        return Html.problem(403, "Sign-in incomplete", "Your sign-in did not say who you are, so no decision was recorded.");
    }

    /** The page, with what the authorities say now, and a fresh ticket for each API that asks for something. */
    private Uni<Response> consentPage(DeviceRequest device, ClientEntry client, Approval approval, SignedIn user,
            Browser browser) {
        return authorities.preview(device, client, approval).chain(preview -> {
            List<Uni<Step>> steps = new ArrayList<>();
            for (ConsentPreview.Waiting waiting : preview.waiting()) {
                steps.add(tickets.issue(browser.session(), approval, device.userCode(), waiting.interaction().resource(),
                                waiting.interaction().reason())
                        .map(ticket -> Step.of(waiting, ticket, returnTo, scopeWords)));
            }
            Uni<List<Step>> issued = steps.isEmpty() ? Uni.createFrom().item(List.of())
                    : Uni.join().all(steps).andFailFast();
            return issued.map(links -> Html.page(200, Pages.consent(clients.displayName(device.clientId()),
                    scopeWords.describe(preview.granted()), links, scopeWords.describe(preview.unavailable()),
                    preview.checked(), device.userCode(), user, browser.token()), browser));
        });
    }

    /**
     * Back from an API's page: the ticket opens (once, in the browser and for the user it was handed to)
     * and the browser goes on to the consent page of its code, which asks the authorities again.
     */
    private Uni<Response> cameBack(String ticket, boolean declined, Approval approval, Browser browser) {
        return tickets.take(ticket, browser.session(), approval).map(opened -> {
            if (opened.refusal() == InteractionTickets.Refusal.NOT_THIS_BROWSER) {
                return Html.page(400, Pages.problem("This link belongs to another browser",
                        "This link was made for another browser or another account, so it cannot be used here. "
                                + "Nothing was approved. Enter the code from your device again."), browser);
            }
            if (opened.refusal() != null) {
                return Html.page(400, Pages.problem("This link has expired",
                        "This link has expired or was already used. Nothing was approved. "
                                + "Enter the code from your device again."), browser);
            }
            InteractionTickets.Ticketed ticketed = opened.ticketed();
            returned.fire(new InteractionReturned(ticketed.resource(), ticketed.reason(),
                    declined ? InteractionMetrics.DECLINED : InteractionMetrics.COMPLETED, approval.subject(), approval.idp()));
            return Response.seeOther(DeviceResource.consentUri(ticketed.userCode())).build();
        });
    }

    /**
     * An API's page to visit before it grants the rest of its scopes, as the consent page lists it.
     *
     * @param href   its {@code url} with this step's ticket and {@code return_to}
     * @param site   the host it is on, so that the link says where it leads
     * @param scopes the scopes that wait for it, in words
     */
    public record Step(String resource, String message, String reason, String href, String site,
            List<ScopeWords.Line> scopes) {

        static Step of(ConsentPreview.Waiting waiting, String ticket, String returnTo, ScopeWords words) {
            InteractionRequired interaction = waiting.interaction();
            return new Step(interaction.resource(), interaction.message(), interaction.reason(),
                    interaction.interaction().link(ticket, returnTo), URI.create(interaction.url()).getHost(),
                    words.describe(waiting.scopes()));
        }
    }

    /**
     * Who is signed in, as the consent page shows it (with "Not you? Sign out"): a shared or stolen
     * browser session must not approve a device as someone the person at the screen is not.
     *
     * @param email null when the login did not give one
     */
    public record SignedIn(String name, String email) {
    }

    private Uni<Response> record(DeviceRequest device, boolean approve, Approval approval) {
        return requests.decide(device, approve, approval).map(recorded -> {
            if (!recorded) {
                return Html.problem(409, "No longer waiting",
                        "This device request is no longer waiting for a decision: it was already approved or denied, "
                                + "or it expired. Start again on your device if needed.");
            }
            decided.fire(new DeviceDecided(approve ? DeviceCodes.State.APPROVED : DeviceCodes.State.DENIED, device.clientId(),
                    approval.subject(), approval.idp()));
            return Html.page(200, Pages.done(approve, clients.displayName(device.clientId())));
        });
    }
}
