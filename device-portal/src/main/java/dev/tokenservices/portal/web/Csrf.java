package dev.tokenservices.portal.web;

import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.shared.crypto.Hashes;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * CSRF protection of the portal's forms. Each browser holds a random value in the cookie
 * {@value #COOKIE} (HttpOnly, SameSite=Lax, for the browser session); every form carries
 * {@code HMAC(key, that value)} in the field {@value #FIELD}. A post is accepted only when the field
 * matches the cookie (compared in constant time). A page from another site can neither read the
 * cookie nor compute the HMAC, and a cookie planted from a sibling domain does not help without the key.
 *
 * <p>The cookie value also names the browser session for the wrong-code limit.
 */
@ApplicationScoped
public class Csrf {

    private static final Logger LOG = Logger.getLogger(Csrf.class);
    public static final String COOKIE = "portal_csrf";
    public static final String FIELD = "csrf";
    private static final Pattern COOKIE_VALUE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final boolean secureCookie;

    public Csrf(PortalConfig config) {
        byte[] keyBytes;
        Optional<String> secret = config.csrf().secret().filter(s -> !s.isBlank());
        if (secret.isPresent()) {
            keyBytes = Hashes.hmacSha256(new SecretKeySpec(secret.get().getBytes(StandardCharsets.UTF_8), "HmacSHA256"), "portal csrf key");
        } else {
            LOG.warn("portal.csrf.secret (PORTAL_CSRF_SECRET or DEVICE_PORTAL_SECRET) is not set: using a random key; "
                    + "forms from other replicas or before a restart will be refused");
            keyBytes = new byte[32];
            RANDOM.nextBytes(keyBytes);
        }
        this.key = new SecretKeySpec(keyBytes, "HmacSHA256");
        this.secureCookie = "https".equalsIgnoreCase(config.url().getScheme());
    }

    /** The browser's CSRF state: its cookie value (made when missing) and the token for its forms. */
    public Browser browser(String cookieValue) {
        if (cookieValue != null && COOKIE_VALUE.matcher(cookieValue).matches()) {
            return new Browser(cookieValue, token(cookieValue), null);
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String value = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        // Written by hand: JAX-RS cookies carry an obsolete "Version=1" attribute.
        String cookie = COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Lax" + (secureCookie ? "; Secure" : "");
        return new Browser(value, token(value), cookie);
    }

    /** True when the posted token belongs to this browser's cookie. */
    public boolean verify(String cookieValue, String postedToken) {
        if (cookieValue == null || postedToken == null || !COOKIE_VALUE.matcher(cookieValue).matches()) {
            return false;
        }
        return MessageDigest.isEqual(token(cookieValue).getBytes(StandardCharsets.US_ASCII),
                postedToken.getBytes(StandardCharsets.UTF_8));
    }

    private String token(String cookieValue) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Hashes.hmacSha256(key, cookieValue));
    }

    /**
     * @param session the cookie value: identifies the browser session
     * @param token what the browser's forms carry
     * @param setCookie the Set-Cookie header value, when the browser had no cookie yet
     */
    public record Browser(String session, String token, String setCookie) {
    }
}
