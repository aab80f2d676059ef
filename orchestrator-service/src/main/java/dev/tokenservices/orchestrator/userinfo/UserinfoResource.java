package dev.tokenservices.orchestrator.userinfo;

import dev.tokenservices.orchestrator.session.AccessTokenIndex;
import dev.tokenservices.orchestrator.token.IdTokenMinter;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The UserInfo endpoint (OIDC Core §5.3), GET and POST, with the access token of a login here as a
 * Bearer token (RFC 6750 §2.1). The token is verified as a JWT ({@link UserinfoTokenVerifier}), then
 * looked up (see {@link AccessTokenIndex}: a revoked login stops answering at once); the claims are
 * the upstream identity's, as far as the granted scopes cover them, plus {@code sub} and {@code idp}.
 */
@Path("/userinfo")
public class UserinfoResource {

    private final UserinfoTokenVerifier verifier;
    private final AccessTokenIndex index;

    public UserinfoResource(UserinfoTokenVerifier verifier, AccessTokenIndex index) {
        this.verifier = verifier;
        this.index = index;
    }

    @GET
    public Uni<Response> get(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return userinfo(authorization);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> post(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return userinfo(authorization);
    }

    private Uni<Response> userinfo(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().item(unauthorized(null));
        }
        String token = authorization.substring(7).trim();
        if (verifier.verify(token).isEmpty()) {
            return Uni.createFrom().item(unauthorized("invalid_token"));
        }
        return index.find(token).map(found -> {
            if (found.isEmpty() || !found.get().scopes().contains("openid")) {
                return unauthorized("invalid_token");
            }
            AccessTokenIndex.Entry entry = found.get();
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("sub", entry.identity().subject());
            claims.put("idp", entry.identity().issuer());
            claims.putAll(IdTokenMinter.userClaims(entry.identity(), entry.scopes()));
            return Response.ok(Json.write(claims), MediaType.APPLICATION_JSON_TYPE).header("Cache-Control", "no-store").build();
        }).onFailure(OAuthException.class).recoverWithItem(e -> Response.status(503).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(Map.of("error", "temporarily_unavailable", "error_description", e.getMessage())))
                .header("Cache-Control", "no-store").build());
    }

    /** RFC 6750 §3: no error code when no token was sent, invalid_token when it is not valid. */
    private static Response unauthorized(String error) {
        String challenge = error == null ? "Bearer realm=\"orchestrator\"" : "Bearer realm=\"orchestrator\", error=\"" + error + "\"";
        Response.ResponseBuilder response = Response.status(401).header("WWW-Authenticate", challenge).header("Cache-Control", "no-store");
        if (error != null) {
            response.type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(Map.of("error", error,
                    "error_description", "the access token is invalid or expired")));
        }
        return response.build();
    }
}
