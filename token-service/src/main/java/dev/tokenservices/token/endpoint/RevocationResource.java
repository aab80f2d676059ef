package dev.tokenservices.token.endpoint;

import dev.tokenservices.shared.oauth.FormRequest;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.token.grant.refresh.RefreshTokenStore;
import dev.tokenservices.token.issuance.AccessTokenVerifier;
import dev.tokenservices.token.revocation.JtiStore;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Token revocation (RFC 7009). A revoked access token's jti is kept in Redis until the token would
 * have expired; introspection then reports it inactive. A refresh token revokes its whole family. Invalid or unknown tokens are answered
 * with 200 (§2.2); a token issued to another client is refused (§2.1).
 */
@Path("/revoke")
public class RevocationResource {

    private final ClientAuthenticator authenticator;
    private final AccessTokenVerifier verifier;
    private final JtiStore jtis;
    private final Clock clock;
    private final RefreshTokenStore refreshTokens;

    public RevocationResource(ClientAuthenticator authenticator, AccessTokenVerifier verifier, JtiStore jtis, Clock clock,
            RefreshTokenStore refreshTokens) {
        this.refreshTokens = refreshTokens;
        this.authenticator = authenticator;
        this.verifier = verifier;
        this.jtis = jtis;
        this.clock = clock;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> revoke(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, String body) {
        FormRequest request = FormRequest.parse(contentType, body, authorization);
        return authenticator.authenticate(request).chain(client -> {
            String token = request.require("token");
            Optional<JWTClaimsSet> claims = verifier.verify(token);
            if (claims.isEmpty()) {
                return revokeRefreshToken(token, client.clientId());
            }
            Object owner = claims.get().getClaim("client_id");
            if (!client.clientId().equals(owner)) {
                throw OAuthException.invalidRequest("the token was not issued to this client");
            }
            Duration remaining = Duration.between(clock.instant(), claims.get().getExpirationTime().toInstant());
            return jtis.revoke(claims.get().getJWTID(), remaining).map(ignored -> done());
        });
    }

    /** RFC 7009 §2: refresh tokens must be revocable; revoking one revokes its whole family. */
    private Uni<Response> revokeRefreshToken(String token, String clientId) {
        if (token.length() > 256) {
            return Uni.createFrom().item(done());
        }
        return refreshTokens.owner(token).chain(owner -> {
            if (owner.isEmpty()) {
                return Uni.createFrom().item(done());
            }
            if (!owner.get().equals(clientId)) {
                throw OAuthException.invalidRequest("the token was not issued to this client");
            }
            return refreshTokens.revoke(token).map(ignored -> done());
        });
    }

    private static Response done() {
        return Response.ok().header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }
}
