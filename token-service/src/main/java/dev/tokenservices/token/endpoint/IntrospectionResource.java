package dev.tokenservices.token.endpoint;

import dev.tokenservices.shared.oauth.FormRequest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.token.issuance.AccessTokenVerifier;
import dev.tokenservices.token.revocation.JtiStore;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Token introspection (RFC 7662). Only authenticated confidential clients may ask. A token that is
 * unknown, expired, revoked or not ours is {@code {"active":false}} and nothing else (§2.2). A
 * DPoP-bound token is {@code token_type: DPoP} with its {@code cnf} (RFC 9449 §6.2).
 */
@Path("/introspect")
public class IntrospectionResource {

    static final String INACTIVE = "{\"active\":false}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClientAuthenticator authenticator;
    private final AccessTokenVerifier verifier;
    private final JtiStore jtis;

    public IntrospectionResource(ClientAuthenticator authenticator, AccessTokenVerifier verifier, JtiStore jtis) {
        this.authenticator = authenticator;
        this.verifier = verifier;
        this.jtis = jtis;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> introspect(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, String body) {
        FormRequest request = FormRequest.parse(contentType, body, authorization);
        return authenticator.authenticate(request).chain(client -> {
            if (!client.entry().isConfidential()) {
                throw OAuthException.invalidClient("introspection is open to authenticated confidential clients only");
            }
            String token = request.require("token");
            Optional<JWTClaimsSet> claims = verifier.verify(token);
            if (claims.isEmpty()) {
                return Uni.createFrom().item(json(INACTIVE));
            }
            return jtis.isRevoked(claims.get().getJWTID())
                    .map(revoked -> json(revoked ? INACTIVE : active(claims.get())));
        });
    }

    private static String active(JWTClaimsSet claims) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("active", true);
        // RFC 9449 §6.2: a DPoP-bound token says so, and its cnf (copied with the other claims) names the key
        out.put("token_type", claims.getClaim("cnf") == null ? "Bearer" : "DPoP");
        Map<String, Object> all = claims.toJSONObject();
        for (String name : new String[] {"scope", "client_id", "sub", "aud", "iss", "exp", "iat", "nbf", "jti"}) {
            if (all.containsKey(name)) {
                out.put(name, all.get(name));
            }
        }
        all.forEach(out::putIfAbsent);
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Response json(String body) {
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }
}
