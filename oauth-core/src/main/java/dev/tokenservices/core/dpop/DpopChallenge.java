package dev.tokenservices.core.dpop;

import dev.tokenservices.shared.json.JsonText;
import dev.tokenservices.shared.oauth.OAuthException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A resource server's answer to a request whose DPoP-bound access token or proof is not acceptable
 * (RFC 9449 §7.1, RFC 6750 §3): 401 with {@code WWW-Authenticate: DPoP} naming the error, its
 * description and the accepted {@code algs}, the {@code DPoP-Nonce} an error carries, and the same
 * error as JSON, never cached. Errors come from {@link DpopVerifier} ({@code invalid_dpop_proof},
 * {@code use_dpop_nonce}) or from the resource's own token check ({@code invalid_token}).
 */
public final class DpopChallenge {

    private final String realm;
    private final String algs;

    /** @param realm the resource's realm in the challenge */
    public DpopChallenge(String realm) {
        this.realm = realm;
        this.algs = String.join(" ", DpopVerifier.ALGORITHMS);
    }

    /** The {@code WWW-Authenticate} value for {@code e}: {@code DPoP realm="…", error="…", error_description="…", algs="…"}. */
    public String header(OAuthException e) {
        StringBuilder sb = new StringBuilder(160).append("DPoP realm=\"").append(realm).append("\", error=\"").append(e.error()).append('"');
        if (e.description() != null) {
            // OAuthException keeps descriptions free of '"', '\' and line breaks: safe inside a quoted string
            sb.append(", error_description=\"").append(e.description()).append('"');
        }
        return sb.append(", algs=\"").append(algs).append('"').toString();
    }

    /** The challenge of a request that carried no token at all (RFC 6750 §3.1: no error code). */
    public String header() {
        return "DPoP realm=\"" + realm + "\", algs=\"" + algs + "\"";
    }

    /** 401 with the challenge, the error's own headers ({@code DPoP-Nonce}) and the error as JSON. */
    public Response unauthorized(OAuthException e) {
        StringBuilder json = new StringBuilder(96).append('{');
        JsonText.field(json, "error", e.error());
        if (e.description() != null) {
            JsonText.field(json.append(','), "error_description", e.description());
        }
        Response.ResponseBuilder response = Response.status(401).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(json.append('}').toString()).header("WWW-Authenticate", header(e))
                .header("Cache-Control", "no-store");
        e.headers().forEach(response::header);
        return response.build();
    }
}
