package dev.tokenservices.portal.web;

import dev.tokenservices.portal.audit.DeviceDecided;
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
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * The consent step (RFC 8628 §3.3, §5.4): a logged-in user sees which device asks for what, compares
 * the code with the one on its screen, and approves or denies. The code travels in the query string,
 * so that a login in between comes back to the same request; the decision needs the CSRF token.
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

    public ConsentResource(Csrf csrf, UserCodes userCodes, DeviceRequests requests, DeviceClients clients,
            ScopeWords scopeWords, ClientAddresses addresses, PortalConfig config, Event<DeviceDecided> decided) {
        this.csrf = csrf;
        this.userCodes = userCodes;
        this.requests = requests;
        this.clients = clients;
        this.scopeWords = scopeWords;
        this.addresses = addresses;
        this.config = config;
        this.decided = decided;
    }

    @GET
    @Produces(Html.MEDIA_TYPE)
    public Uni<Response> show(@QueryParam("user_code") String userCode, @CookieParam(Csrf.COOKIE) String cookie,
            @Context HttpServerRequest request) {
        Browser browser = csrf.browser(cookie);
        SignedIn user = new SignedIn(ApproverIdentity.displayName(idToken), ApproverIdentity.email(idToken).orElse(null));
        return userCodes.enter(userCode, browser.session(), addresses.of(request))
                .map(lookup -> !lookup.isPending() ? DeviceResource.codeRefused(lookup, userCode, browser, config)
                        : registered(lookup.request().orElseThrow()) ? consentPage(lookup.request().orElseThrow(), user, browser)
                        : unregistered());
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
            LOG.warn("the id_token of the login names no subject or issuer; cannot record a decision");
            return Uni.createFrom().item(Html.problem(403, "Sign-in incomplete",
                    "Your sign-in did not say who you are, so no decision was recorded."));
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

    private Response consentPage(DeviceRequest device, SignedIn user, Browser browser) {
        return Html.page(200, Pages.consent(clients.displayName(device.clientId()), scopeWords.describe(device.scopes()),
                device.userCode(), user, browser.token()), browser);
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
