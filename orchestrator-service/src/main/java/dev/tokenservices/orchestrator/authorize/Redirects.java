package dev.tokenservices.orchestrator.authorize;

import dev.tokenservices.orchestrator.session.AuthorizationRequest;
import dev.tokenservices.shared.oauth.FormRequest;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/** Authorization responses in the query of the client's redirect URI (RFC 6749 §4.1.2, RFC 9207). */
public final class Redirects {

    private Redirects() {
    }

    public static Response success(String issuer, AuthorizationRequest request, String code, NewCookie cookie) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("code", code);
        return redirect(issuer, request.redirectUri(), request.state(), params, cookie);
    }

    public static Response error(String issuer, String redirectUri, String state, String error, String description,
            NewCookie cookie) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("error", error);
        if (description != null) {
            params.put("error_description", description);
        }
        return redirect(issuer, redirectUri, state, params, cookie);
    }

    /** Where {@link #error} sends the browser: for a link the person follows themselves. */
    public static String errorLocation(String issuer, String redirectUri, String state, String error, String description) {
        return error(issuer, redirectUri, state, error, description, null).getLocation().toString();
    }

    private static Response redirect(String issuer, String redirectUri, String state, Map<String, String> params,
            NewCookie cookie) {
        if (state != null) {
            params.put("state", state);
        }
        params.put("iss", issuer);
        StringBuilder uri = new StringBuilder(redirectUri);
        char separator = redirectUri.indexOf('?') >= 0 ? '&' : '?';
        for (Map.Entry<String, String> p : params.entrySet()) {
            uri.append(separator).append(encode(p.getKey())).append('=').append(encode(p.getValue()));
            separator = '&';
        }
        Response.ResponseBuilder response = Response.status(302).location(URI.create(uri.toString()))
                .header("Cache-Control", "no-store").header("Pragma", "no-cache").header("Referrer-Policy", "no-referrer");
        if (cookie != null) {
            response.cookie(cookie);
        }
        return response.build();
    }

    public static String encode(String value) {
        return FormRequest.encode(value).replace("+", "%20");
    }
}
