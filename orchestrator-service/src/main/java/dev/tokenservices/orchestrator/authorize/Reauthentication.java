package dev.tokenservices.orchestrator.authorize;

import java.util.Map;

/**
 * Whether the upstream IdP authenticated the user as recently as the client asked (OIDC Core
 * §3.1.2.1): with {@code max_age}, the upstream id_token must carry {@code auth_time} (§2: REQUIRED
 * then) no older than {@code max_age}; with {@code prompt=login}, an {@code auth_time} it carries may
 * not predate the request. Both allow the configured clock skew. Otherwise the login fails with
 * {@code login_required}: the client asked for an authentication the IdP did not perform (§3.1.2.6:
 * "The Authorization Server requires End-User authentication"; §3.1.2.1 prompt=login: "If it cannot
 * reauthenticate the End-User, it MUST return an error, typically login_required").
 */
public final class Reauthentication {

    private Reauthentication() {
    }

    /** @throws AuthorizeError {@code login_required} when the upstream login is older than the request allows */
    public static void check(PendingLogin login, Map<String, Object> upstreamClaims, long now, long clockSkew) {
        Object value = upstreamClaims.get("auth_time");
        Long authTime = value instanceof Number n ? n.longValue() : null;
        long maxAge = login.request().maxAge();
        if (maxAge >= 0) {
            if (authTime == null) {
                throw new AuthorizeError("login_required", "the identity provider did not say when the user authenticated (auth_time), "
                        + "which max_age requires");
            }
            if (now - authTime > maxAge + clockSkew) {
                throw new AuthorizeError("login_required", "the identity provider did not authenticate the user again within max_age");
            }
        }
        if (login.request().promptLogin() && authTime != null && authTime < login.startedAt() - clockSkew) {
            throw new AuthorizeError("login_required", "the identity provider did not authenticate the user again (prompt=login)");
        }
    }
}
