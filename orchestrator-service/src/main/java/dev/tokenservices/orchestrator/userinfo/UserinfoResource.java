package dev.tokenservices.orchestrator.userinfo;

import dev.tokenservices.orchestrator.session.AccessTokenIndex;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.orchestrator.token.UserClaims;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The UserInfo endpoint (OIDC Core §5.3), GET and POST, with the access token of a login here either
 * as a Bearer token in the Authorization header (RFC 6750 §2.1) or, on a POST, as the
 * {@code access_token} parameter of an {@code application/x-www-form-urlencoded} body (§2.2); never
 * in the query (§2.3 is not offered), and never two ways at once (§2: {@code invalid_request}). The
 * token is verified as a JWT ({@link UserinfoTokenVerifier}), then looked up (see {@link AccessTokenIndex}:
 * a revoked login stops answering at once). The answer is {@code sub}, {@code idp}, and the upstream
 * identity's standard claims the granted scopes and the login's {@code claims.userinfo} ask for
 * ({@link UserClaims}). Errors are RFC 6750 §3: a {@code WWW-Authenticate: Bearer} challenge with the
 * error code, and the same in a JSON body.
 */
@Path("/userinfo")
public class UserinfoResource {

    private static final String BEARER = "Bearer ";

    private final UserinfoTokenVerifier verifier;
    private final AccessTokenIndex index;

    public UserinfoResource(UserinfoTokenVerifier verifier, AccessTokenIndex index) {
        this.verifier = verifier;
        this.index = index;
    }

    @GET
    public Uni<Response> get(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("access_token") String inQuery) {
        return answer(() -> token(authorization, inQuery, null));
    }

    @POST
    @Consumes(FormRequest.FORM)
    public Uni<Response> postForm(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, @QueryParam("access_token") String inQuery, String body) {
        return answer(() -> token(authorization, inQuery, FormRequest.parse(contentType, body, null)));
    }

    /** A POST without a form body: the header alone can carry the token. */
    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> post(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("access_token") String inQuery) {
        return answer(() -> token(authorization, inQuery, null));
    }

    /**
     * The one access token of the request, or null when it carries none.
     *
     * @param form the POST body, or null
     */
    private static String token(String authorization, String inQuery, FormRequest form) {
        if (inQuery != null) {
            throw OAuthException.invalidRequest("the access token is not accepted in the query; send it in the Authorization header");
        }
        String inHeader = null;
        if (authorization != null && (authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || authorization.trim().equalsIgnoreCase(BEARER.trim()))) {
            inHeader = authorization.trim().substring(BEARER.trim().length()).trim();
            if (inHeader.isEmpty()) {
                throw OAuthException.invalidRequest("the Authorization header names no Bearer token");
            }
        }
        String inBody = form == null ? null : form.get("access_token");
        if (inHeader != null && inBody != null) {
            throw OAuthException.invalidRequest("the access token was sent both in the Authorization header and in the body");
        }
        return inHeader != null ? inHeader : inBody;
    }

    private Uni<Response> answer(java.util.function.Supplier<String> token) {
        String accessToken;
        try {
            accessToken = token.get();
        } catch (OAuthException e) {
            return Uni.createFrom().item(challenge(e));
        }
        if (accessToken == null) {
            return Uni.createFrom().item(noToken());
        }
        if (verifier.verify(accessToken).isEmpty()) {
            return Uni.createFrom().item(challenge(invalidToken()));
        }
        return index.find(accessToken).map(found -> {
            if (found.isEmpty() || !found.get().scopes().contains("openid")) {
                return challenge(invalidToken());
            }
            AccessTokenIndex.Entry entry = found.get();
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("sub", entry.identity().subject());
            claims.put("idp", entry.identity().issuer());
            UserClaims.forUserinfo(entry.identity(), entry.scopes(), new ClaimsRequest(null, entry.claims()))
                    .forEach(claims::putIfAbsent);
            return Response.ok(Json.write(claims), MediaType.APPLICATION_JSON_TYPE).header("Cache-Control", "no-store").build();
        }).onFailure(OAuthException.class).recoverWithItem(e -> Response.status(503).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(Map.of("error", OAuthErrors.TEMPORARILY_UNAVAILABLE, "error_description", e.getMessage())))
                .header("Cache-Control", "no-store").build());
    }

    private static OAuthException invalidToken() {
        return new OAuthException(OAuthErrors.INVALID_TOKEN, "the access token is invalid or expired", 401);
    }

    /** RFC 6750 §3.1: a request without any token gets the challenge without an error code. */
    private static Response noToken() {
        return Response.status(401).header("WWW-Authenticate", "Bearer realm=\"orchestrator\"").header("Cache-Control", "no-store").build();
    }

    /** RFC 6750 §3: the error in the challenge and in a JSON body. */
    private static Response challenge(OAuthException e) {
        String challenge = "Bearer realm=\"orchestrator\", error=\"" + e.error() + "\", error_description=\"" + e.description() + "\"";
        return Response.status(e.status()).header("WWW-Authenticate", challenge).header("Cache-Control", "no-store")
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(Map.of("error", e.error(), "error_description", e.description()))).build();
    }
}
