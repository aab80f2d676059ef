package dev.tokenservices.orchestrator.registration;

import dev.tokenservices.orchestrator.metadata.ClientMetadata;
import dev.tokenservices.orchestrator.metadata.ClientMetadataException;
import dev.tokenservices.orchestrator.session.Secrets;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.log.LogText;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.oauth.OAuthResponses;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Dynamic client registration (RFC 7591 §3) with an initial access token, on only while
 * {@code ORCHESTRATOR_REGISTRATION_TOKEN} is set (else 404, and discovery names no
 * {@code registration_endpoint}). In order: the per-address limit (429), the Bearer token (401, RFC
 * 6750 §3), the body (JSON, at most {@value #MAX_BODY} bytes), the metadata ({@link ClientMetadata});
 * then the client is stored ({@link RegisteredClients}) and its id, and secret when it has one, are
 * answered once (201). Registered clients log users in like the file's, asked for consent, within
 * {@code ORCHESTRATOR_REGISTRATION_MAX_SCOPE}.
 */
@Path("/register")
public class RegistrationResource {

    private static final Logger LOG = Logger.getLogger(RegistrationResource.class);
    static final int MAX_BODY = 8 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final InitialAccessToken token;
    private final RegistrationLimit limit;
    private final RegisteredClients clients;
    private final Clock clock;

    public RegistrationResource(InitialAccessToken token, RegistrationLimit limit, RegisteredClients clients, Clock clock) {
        this.token = token;
        this.limit = limit;
        this.clients = clients;
        this.clock = clock;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> register(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @Context HttpServerRequest http, String body) {
        if (!token.configured()) {
            throw new NotFoundException();
        }
        return limit.count(http).chain(tooMany -> {
            if (tooMany.isPresent()) {
                long seconds = Math.max(1, (tooMany.get().toMillis() + 999) / 1000);
                return Uni.createFrom().item(OAuthResponses.error(429, OAuthErrors.TEMPORARILY_UNAVAILABLE,
                        "too many registrations from this address; try again in " + seconds + " s").header("Retry-After", seconds).build());
            }
            InitialAccessToken.Presented presented = token.check(authorization);
            if (presented != InitialAccessToken.Presented.VALID) {
                return Uni.createFrom().item(unauthorized(presented));
            }
            ClientMetadata.Checked checked = checked(contentType, body);
            String clientId = RegisteredClients.PREFIX + Hashes.base64url(random(16));
            String secret = checked.authMethod().usesSecret() ? Secrets.random() : null;
            return clients.store(clientId, secret == null ? null : Hashes.sha256Hex(secret), checked)
                    .invoke(stored -> LOG.infof("client %s registered (%s, redirect URIs %s, scope %s)", clientId, checked.authMethod(),
                            LogText.value(checked.redirectUris()), LogText.words(checked.scope())))
                    .map(stored -> created(clientId, secret, checked));
        });
    }

    /** The request's metadata, or {@code invalid_client_metadata} / {@code invalid_redirect_uri} (400). */
    private ClientMetadata.Checked checked(String contentType, String body) {
        String mediaType = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals(MediaType.APPLICATION_JSON)) {
            throw new OAuthException(OAuthErrors.INVALID_CLIENT_METADATA, "the registration request must be application/json", 400);
        }
        if (body == null || body.length() > MAX_BODY) {
            throw new OAuthException(OAuthErrors.INVALID_CLIENT_METADATA, "the registration request is empty or larger than "
                    + MAX_BODY + " bytes", body == null ? 400 : 413);
        }
        try {
            return ClientMetadata.check(ClientMetadata.parse(body, "the registration request"), ClientMetadata.Origin.REGISTRATION, null,
                    clients.maxScope());
        } catch (ClientMetadataException e) {
            throw new OAuthException(e.error(), e.getMessage(), 400);
        }
    }

    /** RFC 7591 §3.2.1: the secret is shown this once; only its hash is kept. */
    private Response created(String clientId, String secret, ClientMetadata.Checked checked) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("client_id", clientId);
        answer.put("client_id_issued_at", clock.instant().getEpochSecond());
        if (secret != null) {
            answer.put("client_secret", secret);
            answer.put("client_secret_expires_at", 0);
        }
        answer.putAll(checked.registered());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(answer))
                .header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }

    /** RFC 6750 §3: without a token the challenge names no error; a wrong one is {@code invalid_token}. */
    private static Response unauthorized(InitialAccessToken.Presented presented) {
        if (presented == InitialAccessToken.Presented.NONE) {
            return Response.status(401).header("WWW-Authenticate", "Bearer realm=\"orchestrator\"").header("Cache-Control", "no-store").build();
        }
        String description = "the initial access token is not valid";
        return OAuthResponses.error(401, OAuthErrors.INVALID_TOKEN, description)
                .header("WWW-Authenticate", "Bearer realm=\"orchestrator\", error=\"invalid_token\", error_description=\"" + description + "\"")
                .build();
    }

    private static byte[] random(int bytes) {
        byte[] value = new byte[bytes];
        RANDOM.nextBytes(value);
        return value;
    }
}
