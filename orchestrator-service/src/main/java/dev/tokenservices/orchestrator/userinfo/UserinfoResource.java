package dev.tokenservices.orchestrator.userinfo;

import dev.tokenservices.core.dpop.DpopChallenge;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.AccessTokenIndex;
import dev.tokenservices.orchestrator.session.ClaimsRequest;
import dev.tokenservices.orchestrator.token.UserClaims;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The UserInfo endpoint (OIDC Core §5.3), GET and POST, with the access token of a login here either
 * as a Bearer token in the Authorization header (RFC 6750 §2.1) or, on a POST, as the
 * {@code access_token} parameter of an {@code application/x-www-form-urlencoded} body (§2.2); never
 * in the query (§2.3 is not offered), and never two ways at once (§2: {@code invalid_request}). A
 * DPoP-bound token ({@code cnf.jkt}, RFC 9449 §7) comes only as {@code Authorization: DPoP} with a
 * {@code DPoP} proof of its key for this request ({@code htm}, {@code htu}, {@code ath}); as a Bearer
 * token it is refused, and a bearer token is not taken with the DPoP scheme. The token is verified as
 * a JWT ({@link UserinfoTokenVerifier}), then looked up (see {@link AccessTokenIndex}: a revoked login
 * stops answering at once). The answer is {@code sub}, {@code idp}, and the upstream identity's
 * standard claims the granted scopes and the login's {@code claims.userinfo} ask for
 * ({@link UserClaims}). Errors are RFC 6750 §3 (RFC 9449 §7.1 for DPoP): a {@code WWW-Authenticate}
 * challenge with the error code, and the same in a JSON body.
 */
@Path("/userinfo")
public class UserinfoResource {

    private static final String BEARER = "Bearer";
    private static final String DPOP = "DPoP";
    private static final String REALM = "orchestrator";

    private final UserinfoTokenVerifier verifier;
    private final AccessTokenIndex index;
    private final DpopVerifier dpop;
    private final DpopChallenge dpopChallenge = new DpopChallenge(REALM);
    private final String url;

    public UserinfoResource(UserinfoTokenVerifier verifier, AccessTokenIndex index, DpopVerifier dpop, OrchestratorConfig config) {
        this.verifier = verifier;
        this.index = index;
        this.dpop = dpop;
        this.url = config.issuer() + "/userinfo";
    }

    @GET
    public Uni<Response> get(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(DpopVerifier.HEADER) List<String> proofs, @QueryParam("access_token") String inQuery) {
        return answer(() -> token(authorization, inQuery, null), "GET", proofs);
    }

    @POST
    @Consumes(FormRequest.FORM)
    public Uni<Response> postForm(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(DpopVerifier.HEADER) List<String> proofs, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @QueryParam("access_token") String inQuery, String body) {
        return answer(() -> token(authorization, inQuery, FormRequest.parse(contentType, body, null)), "POST", proofs);
    }

    /** A POST without a form body: the header alone can carry the token. */
    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> post(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(DpopVerifier.HEADER) List<String> proofs, @QueryParam("access_token") String inQuery) {
        return answer(() -> token(authorization, inQuery, null), "POST", proofs);
    }

    /** The access token of a request and how it came: with the DPoP scheme, or as a bearer token. */
    private record Presented(String token, boolean dpop) {
    }

    /**
     * The one access token of the request, or null when it carries none.
     *
     * @param form the POST body, or null
     */
    private static Presented token(String authorization, String inQuery, FormRequest form) {
        if (inQuery != null) {
            throw OAuthException.invalidRequest("the access token is not accepted in the query; send it in the Authorization header");
        }
        Presented inHeader = authorization == null ? null : credentials(authorization, BEARER, false);
        if (inHeader == null && authorization != null) {
            inHeader = credentials(authorization, DPOP, true);
        }
        String inBody = form == null ? null : form.get("access_token");
        if (inHeader != null && inBody != null) {
            throw OAuthException.invalidRequest("the access token was sent both in the Authorization header and in the body");
        }
        return inHeader != null ? inHeader : inBody == null ? null : new Presented(inBody, false);
    }

    /** The token of an Authorization header of this scheme (case-insensitive, RFC 9110 §11.1), or null for another scheme. */
    private static Presented credentials(String authorization, String scheme, boolean dpop) {
        String value = authorization.trim();
        if (!value.regionMatches(true, 0, scheme, 0, scheme.length())
                || value.length() > scheme.length() && value.charAt(scheme.length()) != ' ') {
            return null;
        }
        String token = value.substring(scheme.length()).trim();
        if (token.isEmpty()) {
            throw OAuthException.invalidRequest("the Authorization header names no " + scheme + " token");
        }
        return new Presented(token, dpop);
    }

    private Uni<Response> answer(Supplier<Presented> token, String method, List<String> proofs) {
        Presented presented;
        try {
            presented = token.get();
        } catch (OAuthException e) {
            return Uni.createFrom().item(challenge(e));
        }
        if (presented == null) {
            return Uni.createFrom().item(noToken());
        }
        Optional<JsonWebToken> verified = verifier.verify(presented.token());
        if (verified.isEmpty()) {
            return Uni.createFrom().item(presented.dpop() ? dpopChallenge.unauthorized(invalidToken()) : challenge(invalidToken()));
        }
        String jkt = boundKey(verified.get());
        if (jkt != null && !presented.dpop()) {
            // RFC 9449 §7.2: a bound token without its proof is a stolen token, whatever scheme names it
            return Uni.createFrom().item(dpopChallenge.unauthorized(new OAuthException(OAuthErrors.INVALID_TOKEN,
                    "the access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof", 401)));
        }
        if (jkt == null && presented.dpop()) {
            return Uni.createFrom().item(challenge(new OAuthException(OAuthErrors.INVALID_TOKEN,
                    "the access token is not DPoP-bound: send it as a Bearer token", 401)));
        }
        Uni<Void> proved = jkt == null ? Uni.createFrom().voidItem()
                : dpop.verify(proofs == null ? List.of() : proofs, method, url, presented.token(), jkt).replaceWithVoid();
        return proved.chain(() -> index.find(presented.token())).map(found -> {
            if (found.isEmpty() || !found.get().scopes().contains("openid")) {
                return jkt == null ? challenge(invalidToken()) : dpopChallenge.unauthorized(invalidToken());
            }
            AccessTokenIndex.Entry entry = found.get();
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("sub", entry.identity().subject());
            claims.put("idp", entry.identity().issuer());
            UserClaims.forUserinfo(entry.identity(), entry.scopes(), new ClaimsRequest(null, entry.claims()))
                    .forEach(claims::putIfAbsent);
            return Response.ok(Json.write(claims), MediaType.APPLICATION_JSON_TYPE).header("Cache-Control", "no-store").build();
        }).onFailure(OAuthException.class).recoverWithItem(e -> {
            OAuthException o = (OAuthException) e;
            if (!OAuthErrors.TEMPORARILY_UNAVAILABLE.equals(o.error())) {
                // the proof: invalid_dpop_proof, or use_dpop_nonce with the nonce to use
                return dpopChallenge.unauthorized(o);
            }
            return Response.status(503).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(Json.write(Map.of("error", OAuthErrors.TEMPORARILY_UNAVAILABLE, "error_description", o.description())))
                    .header("Cache-Control", "no-store").build();
        });
    }

    /**
     * The token's {@code cnf.jkt} (RFC 9449 §6.1), or null for a bearer token. SmallRye JWT hands
     * {@code cnf} out as the parser read it (a map), other nested claims as JSON-P objects.
     */
    private static String boundKey(JsonWebToken token) {
        Object cnf = token.getClaim("cnf");
        if (cnf instanceof JsonObject object) {
            return object.get("jkt") instanceof JsonString jkt ? jkt.getString() : null;
        }
        return cnf instanceof Map<?, ?> map && map.get("jkt") instanceof String jkt ? jkt : null;
    }

    private static OAuthException invalidToken() {
        return new OAuthException(OAuthErrors.INVALID_TOKEN, "the access token is invalid or expired", 401);
    }

    /**
     * RFC 6750 §3.1: a request without any token gets the challenge without an error code; one for
     * each scheme taken here (RFC 9449 §7.1).
     */
    private Response noToken() {
        return Response.status(401).header("WWW-Authenticate", "Bearer realm=\"" + REALM + "\"")
                .header("WWW-Authenticate", dpopChallenge.header()).header("Cache-Control", "no-store").build();
    }

    /** RFC 6750 §3: the error in the challenge and in a JSON body. */
    private static Response challenge(OAuthException e) {
        String challenge = "Bearer realm=\"" + REALM + "\", error=\"" + e.error() + "\", error_description=\"" + e.description() + "\"";
        return Response.status(e.status()).header("WWW-Authenticate", challenge).header("Cache-Control", "no-store")
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(Map.of("error", e.error(), "error_description", e.description()))).build();
    }
}
