package dev.tokenservices.portal.web;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import java.util.List;

/** The portal's pages (Qute, escaped by default: every value a client sent is shown as text). */
@CheckedTemplate(basePath = "pages")
public class Pages {

    /** Enter the code (RFC 8628 §3.3); {@code message} says what was wrong with the last one. */
    public static native TemplateInstance device(String userCode, String csrf, String message);

    /**
     * Approve or deny one device request, saying who is signed in (with a way to sign out), what the
     * device would get now ({@code scopes}), what waits for a step at an API's page ({@code steps}), and
     * what is not available now; {@code checked} false when the authorities could not be asked.
     */
    public static native TemplateInstance consent(String clientName, List<ScopeWords.Line> scopes,
            List<ConsentResource.Step> steps, List<ScopeWords.Line> unavailable, boolean checked, String userCode,
            ConsentResource.SignedIn user, String csrf);

    /** After the decision. */
    public static native TemplateInstance done(boolean approved, String clientName);

    /** Anything that stops the flow: CSRF, too many codes, sign-in failed, store unavailable. */
    public static native TemplateInstance problem(String title, String message);
}
