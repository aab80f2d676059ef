package dev.tokenservices.token.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.core.token.TokenEndpoint;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.grant.TokenResponse;
import dev.tokenservices.token.keys.KeyManager;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jboss.resteasy.reactive.Cache;

/**
 * Authorization server metadata (RFC 8414), also served at the OpenID location so that OIDC
 * libraries find it, and the JWK Set (RFC 7517) of every published signing key.
 */
@Path("/")
public class DiscoveryResource {

    private static final List<String> AUTH_METHODS = List.of("client_secret_basic", "client_secret_post", "private_key_jwt");
    private static final List<String> ASSERTION_ALGORITHMS = List.of("ES256", "ES384", "ES512", "RS256", "RS384", "RS512",
            "PS256", "PS384", "PS512", "EdDSA");

    private final String metadata;
    private final KeyManager keys;
    private final long jwksMaxAge;

    public DiscoveryResource(TokenServiceConfig config, TokenEndpoint<TokenResponse> grants, KeyManager keys) {
        this.keys = keys;
        this.jwksMaxAge = config.keys().jwksMaxAge().toSeconds();
        String issuer = config.issuer();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", issuer);
        m.put("token_endpoint", issuer + "/token");
        m.put("jwks_uri", issuer + "/jwks");
        m.put("introspection_endpoint", issuer + "/introspect");
        m.put("revocation_endpoint", issuer + "/revoke");
        m.put("device_authorization_endpoint", issuer + "/device_authorization");
        m.put("grant_types_supported", new TreeSet<>(grants.supported()));
        // no authorization endpoint here: users log in through the orchestrator
        m.put("response_types_supported", List.of());
        m.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "private_key_jwt", "none"));
        m.put("token_endpoint_auth_signing_alg_values_supported", ASSERTION_ALGORITHMS);
        m.put("introspection_endpoint_auth_methods_supported", AUTH_METHODS);
        m.put("introspection_endpoint_auth_signing_alg_values_supported", ASSERTION_ALGORITHMS);
        m.put("revocation_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "private_key_jwt", "none"));
        m.put("revocation_endpoint_auth_signing_alg_values_supported", ASSERTION_ALGORITHMS);
        m.put("access_token_signing_alg_values_supported", List.of(config.keys().algorithm().name()));
        m.put("dpop_signing_alg_values_supported", DpopVerifier.ALGORITHMS);
        try {
            this.metadata = new ObjectMapper().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @GET
    @Path(".well-known/oauth-authorization-server")
    @Produces(MediaType.APPLICATION_JSON)
    @Cache(maxAge = 300)
    public String oauthMetadata() {
        return metadata;
    }

    @GET
    @Path(".well-known/openid-configuration")
    @Produces(MediaType.APPLICATION_JSON)
    @Cache(maxAge = 300)
    public String openidMetadata() {
        return metadata;
    }

    @GET
    @Path("jwks")
    @Produces(MediaType.APPLICATION_JSON)
    public Response jwks() {
        return Response.ok(keys.jwksJson(), MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "public, max-age=" + jwksMaxAge).build();
    }
}
