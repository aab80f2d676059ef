package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.jose.KeyEncryption;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.NewCookie;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Login binding (RFC 9700 §4.7.1, OIDC Core §3.1.2.1 {@code state}): when the browser is sent to the
 * upstream IdP, the whole {@link PendingLogin} is sealed (AES-GCM under a key derived from the master
 * key, the upstream {@code state} as associated data) into a short-lived cookie of that browser. Only
 * a callback that arrives with that cookie completes the login, so a callback URL opened in another
 * browser logs no one in there, and an anonymous {@code /authorize} stores nothing anywhere.
 *
 * <p>Each login has its own cookie, {@code orch_login_<hash of its state>}, so that several tabs can
 * log in at once; it is HttpOnly, SameSite=Lax (the upstream comes back by a top-level GET; for an IdP
 * answering by form post SameSite=None, see {@link #loginCookie}), Secure behind TLS, and sent to
 * {@code /callback} only. A second, small cookie sent to {@code /authorize}
 * only ({@code orch_logins}) lists this browser's logins in progress, so that a new one expires the
 * oldest beyond {@code orchestrator.max-pending-logins-per-browser}: the cookies a callback carries
 * stay bounded. The names differ from the device portal's ({@code portal_csrf},
 * {@code q_session_*}, {@code q_auth_*}): browsers share one jar across ports on localhost.
 */
@ApplicationScoped
@Startup
public class LoginCookies {

    static final String PREFIX = "orch_login_";
    /** The list of this browser's logins in progress, oldest first. */
    public static final String RECENT = "orch_logins";
    /** Browsers keep cookies up to 4096 bytes, name and attributes included. */
    static final int MAX_VALUE = 3800;
    /** The most {@code orchestrator.max-pending-logins-per-browser} may be (4 × 3.8 KB stays under the 16 KiB header limit). */
    private static final int MOST_PER_BROWSER = 4;
    private static final String CALLBACK_PATH = "/callback";
    private static final String AUTHORIZE_PATH = "/authorize";
    private static final Pattern ID = Pattern.compile("[0-9a-f]{16}");

    private final RecordSeal seal;
    private final Duration lifetime;
    private final int maxPerBrowser;
    private final boolean secure;
    private final Clock clock;

    public LoginCookies(OrchestratorConfig config, KeyEncryption masterKey, Clock clock) {
        if (config.maxPendingLoginsPerBrowser() < 1 || config.maxPendingLoginsPerBrowser() > MOST_PER_BROWSER) {
            throw new IllegalStateException("orchestrator.max-pending-logins-per-browser must be between 1 and " + MOST_PER_BROWSER + ", is "
                    + config.maxPendingLoginsPerBrowser());
        }
        this.seal = masterKey.recordSeal("pending-login");
        this.lifetime = config.pendingLoginLifetime();
        this.maxPerBrowser = config.maxPendingLoginsPerBrowser();
        this.secure = config.issuer().startsWith("https://");
        this.clock = clock;
    }

    /** A new login for {@code request}, valid for {@code orchestrator.pending-login-lifetime}. */
    public PendingLogin pending(AuthorizationRequest request, String idpId, String nonce, String codeVerifier, String state) {
        long now = clock.instant().getEpochSecond();
        return new PendingLogin(request, idpId, nonce, codeVerifier, state, now + lifetime.toSeconds(), now);
    }

    /**
     * The cookies to set when the browser goes upstream: the sealed login, the updated list of
     * logins in progress, and the expiry of the oldest ones beyond the bound.
     *
     * @param recent the {@link #RECENT} cookie the browser sent, if any
     * @throws AuthorizeError when the request is too large to fit in a cookie
     */
    public List<NewCookie> begin(PendingLogin login, String recent, UpstreamIdpEntry idp) {
        String sealed = seal(login);
        if (sealed.length() > MAX_VALUE) {
            throw new AuthorizeError(OAuthErrors.INVALID_REQUEST,
                    "state, nonce and login_hint are too long together to be kept during the login");
        }
        String id = id(login.state());
        List<String> ids = new ArrayList<>();
        if (recent != null) {
            for (String listed : recent.split("\\.")) {
                if (ID.matcher(listed).matches() && !ids.contains(listed) && !listed.equals(id)) {
                    ids.add(listed);
                }
            }
        }
        // whatever the browser sends, it can have no more of our cookies than the bound allows
        if (ids.size() > MOST_PER_BROWSER) {
            ids = new ArrayList<>(ids.subList(ids.size() - MOST_PER_BROWSER, ids.size()));
        }
        ids.add(id);
        List<NewCookie> cookies = new ArrayList<>();
        while (ids.size() > maxPerBrowser) {
            cookies.add(cookie(PREFIX + ids.remove(0), "", CALLBACK_PATH, 0));
        }
        int maxAge = (int) lifetime.toSeconds();
        cookies.add(loginCookie(PREFIX + id, sealed, maxAge, idp));
        cookies.add(cookie(RECENT, String.join(".", ids), AUTHORIZE_PATH, maxAge));
        return cookies;
    }

    /**
     * The login this browser started with the upstream {@code state}: present only when its cookie
     * came along, opens under our key for this very state, and has not expired.
     */
    public Optional<PendingLogin> open(String state, Map<String, Cookie> cookies) {
        Cookie cookie = cookies.get(name(state));
        if (cookie == null) {
            return Optional.empty();
        }
        long now = clock.instant().getEpochSecond();
        return seal.open(state, cookie.getValue())
                .map(json -> Json.read(json, PendingLogin.class))
                // the associated data already binds the state; checked again so that the rule reads here
                .filter(login -> Hashes.equal(login.state(), state))
                .filter(login -> login.expiresAt() > now);
    }

    /** Expires the cookie of the login with this {@code state} (once its callback has been answered). */
    public NewCookie cleared(String state, UpstreamIdpEntry idp) {
        return loginCookie(name(state), "", 0, idp);
    }

    /**
     * A login's cookie. For an IdP answering by form post (Sign in with Apple) it must come along on a
     * POST from the IdP's site, which SameSite=Lax forbids: SameSite=None, which browsers take only
     * with Secure (and which they accept on http://localhost for development). It stays HttpOnly,
     * sent to /callback only, sealed under its state: sending it along cross-site lets no other site
     * complete a login, as only this browser's own upstream state opens it.
     */
    private NewCookie loginCookie(String name, String value, int maxAge, UpstreamIdpEntry idp) {
        if (!idp.formPost()) {
            return cookie(name, value, CALLBACK_PATH, maxAge);
        }
        return new NewCookie.Builder(name).value(value).path(CALLBACK_PATH).httpOnly(true).secure(true)
                .sameSite(NewCookie.SameSite.NONE).maxAge(maxAge).build();
    }

    /** The cookie that holds the login with this upstream {@code state}. */
    public static String name(String state) {
        return PREFIX + id(state);
    }

    /** Sealed under the state: a value copied to another login's cookie does not open. */
    String seal(PendingLogin login) {
        return seal.seal(login.state(), Json.write(login));
    }

    /** 64 bits of SHA-256: enough to tell one browser's few logins apart, and it reveals nothing of the state. */
    private static String id(String state) {
        return HexFormat.of().formatHex(Hashes.sha256("login-cookie:" + state), 0, 8);
    }

    private NewCookie cookie(String name, String value, String path, int maxAge) {
        return new NewCookie.Builder(name).value(value).path(path).httpOnly(true).secure(secure)
                .sameSite(NewCookie.SameSite.LAX).maxAge(maxAge).build();
    }
}
