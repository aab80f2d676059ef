package dev.tokenservices.portal.web;

import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.portal.usercode.CodeLookup;
import dev.tokenservices.portal.usercode.UserCodes;
import dev.tokenservices.portal.web.Csrf.Browser;
import dev.tokenservices.shared.device.DeviceCodes;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
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

/**
 * The user-code page (RFC 8628 §3.3): type the code shown on the device (or arrive with it from
 * {@code verification_uri_complete}), then on to the consent page, which needs a login.
 */
@Path("/device")
public class DeviceResource {

    private static final int MAX_PREFILL = 64;

    private final Csrf csrf;
    private final UserCodes userCodes;
    private final ClientAddresses addresses;
    private final PortalConfig config;

    public DeviceResource(Csrf csrf, UserCodes userCodes, ClientAddresses addresses, PortalConfig config) {
        this.csrf = csrf;
        this.userCodes = userCodes;
        this.addresses = addresses;
        this.config = config;
    }

    @GET
    @Produces(Html.MEDIA_TYPE)
    public Response form(@QueryParam("user_code") String userCode, @CookieParam(Csrf.COOKIE) String cookie) {
        Browser browser = csrf.browser(cookie);
        return Html.page(200, Pages.device(prefill(userCode), browser.token(), null), browser);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(Html.MEDIA_TYPE)
    public Uni<Response> submit(byte[] body, @CookieParam(Csrf.COOKIE) String cookie, @Context HttpServerRequest request) {
        FormBody form = FormBody.parse(body).orElse(null);
        if (form == null) {
            return Uni.createFrom().item(Html.unreadableForm());
        }
        if (!csrf.verify(cookie, form.get(Csrf.FIELD))) {
            return Uni.createFrom().item(Html.forbiddenForm());
        }
        String typed = form.get("user_code");
        Browser browser = csrf.browser(cookie);
        return userCodes.enter(typed, browser.session(), addresses.of(request))
                .map(lookup -> lookup.isPending()
                        ? Response.seeOther(consentUri(lookup.request().orElseThrow().userCode())).build()
                        : codeRefused(lookup, typed, browser, config));
    }

    /** The sign-in at the OIDC provider did not complete (quarkus-oidc's error path). */
    @GET
    @Path("/login-error")
    @Produces(Html.MEDIA_TYPE)
    public Response loginError() {
        return Html.problem(403, "Sign-in did not complete",
                "You were not signed in, so no device was connected. Enter the code again to retry.");
    }

    /** The code form again, saying why the code was not accepted (or 429 when over the limit). */
    static Response codeRefused(CodeLookup lookup, String typed, Browser browser, PortalConfig config) {
        String message = switch (lookup.outcome()) {
            case EMPTY -> "Enter the code shown on your device.";
            case UNKNOWN -> "That code is not valid. Check the code on your device and try again.";
            case EXPIRED -> "That code has expired. Start again on your device to get a new code.";
            case USED -> "That code has already been used. Start again on your device to get a new code.";
            case TOO_MANY -> null;
            case PENDING -> throw new IllegalArgumentException("a pending code is not refused");
        };
        if (message == null) {
            return Html.tooManyCodes(config.rateLimit().window());
        }
        return Html.page(200, Pages.device(prefill(typed), browser.token(), message), browser);
    }

    static URI consentUri(String userCode) {
        return URI.create("/device/consent?user_code=" + userCode);
    }

    /**
     * What to put back in the field: the typed text (Qute escapes it) without control characters, cut
     * to a sane length.
     */
    private static String prefill(String typed) {
        if (typed == null) {
            return "";
        }
        String printable = typed.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        return DeviceCodes.normalize(printable)
                .orElse(printable.length() > MAX_PREFILL ? printable.substring(0, MAX_PREFILL) : printable);
    }
}
