package dev.tokenservices.orchestrator.web;

import com.nimbusds.jose.JWSAlgorithm;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.core.jose.JwtVerifier;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.keys.IdTokenKeys;
import dev.tokenservices.orchestrator.token.UserClaims;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 9207 §3) and the JWK Set of the signing keys
 * of every algorithm. Served from memory: no dependency is needed. /userinfo answers plain JSON
 * (never signed), so no {@code userinfo_signing_alg_values_supported}.
 */
@Path("/")
public class DiscoveryResource {

    private final String metadata;
    private final IdTokenKeys keys;
    private final long jwksMaxAge;

    public DiscoveryResource(OrchestratorConfig config, IdTokenKeys keys) {
        this.keys = keys;
        this.jwksMaxAge = config.keys().jwksMaxAge().toSeconds();
        String issuer = config.issuer();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", issuer);
        m.put("authorization_endpoint", issuer + "/authorize");
        m.put("token_endpoint", issuer + "/token");
        m.put("userinfo_endpoint", issuer + "/userinfo");
        m.put("jwks_uri", issuer + "/jwks");
        m.put("end_session_endpoint", issuer + "/logout");
        m.put("response_types_supported", List.of("code"));
        m.put("response_modes_supported", List.of("query"));
        m.put("grant_types_supported", List.of("authorization_code", "refresh_token"));
        m.put("subject_types_supported", List.of("public"));
        // RS256 first: OIDC Core §15.1 requires it, and it is the default id_token_signed_response_alg
        m.put("id_token_signing_alg_values_supported", IdTokenKeys.ID_TOKEN_ALGORITHMS.stream().map(Enum::name).toList());
        m.put("code_challenge_methods_supported", List.of("S256"));
        m.put("authorization_response_iss_parameter_supported", true);
        m.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "private_key_jwt", "none"));
        m.put("token_endpoint_auth_signing_alg_values_supported", JwtVerifier.ASYMMETRIC.stream().map(JWSAlgorithm::getName).sorted().toList());
        if (config.cimd().enabled()) {
            m.put("client_id_metadata_document_supported", true);
        }
        config.registration().token().ifPresent(token -> m.put("registration_endpoint", issuer + "/register"));
        m.put("scopes_supported", List.of("openid", "profile", "email", "address", "phone", "offline_access"));
        List<String> claims = new ArrayList<>(List.of("iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "acr", "amr",
                "at_hash", "idp"));
        claims.addAll(UserClaims.ALL);
        m.put("claims_supported", claims);
        m.put("prompt_values_supported", List.of("none", "login", "consent", "select_account"));
        m.put("claims_parameter_supported", true);
        m.put("request_parameter_supported", false);
        m.put("request_uri_parameter_supported", false);
        // RFC 9126 §5: request_uri values of /par are the only ones taken (request_uri_parameter_supported is about fetching them)
        m.put("pushed_authorization_request_endpoint", issuer + "/par");
        m.put("require_pushed_authorization_requests", config.par().required());
        // RFC 9449 §5.1: proofs at /par, /token and /userinfo
        m.put("dpop_signing_alg_values_supported", DpopVerifier.ALGORITHMS);
        this.metadata = Json.write(m);
    }

    @GET
    @Path(".well-known/openid-configuration")
    @Produces(MediaType.APPLICATION_JSON)
    public Response openidConfiguration() {
        return Response.ok(metadata, MediaType.APPLICATION_JSON_TYPE).header("Cache-Control", "public, max-age=300")
                .header("Access-Control-Allow-Origin", "*").build();
    }

    @GET
    @Path("jwks")
    @Produces(MediaType.APPLICATION_JSON)
    public Response jwks() {
        return Response.ok(keys.jwksJson(), MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "public, max-age=" + jwksMaxAge).header("Access-Control-Allow-Origin", "*").build();
    }
}
