package dev.tokenservices.token.grant.devicecode;

import dev.tokenservices.core.dpop.DpopVerifier;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.oauth.OAuthResponses;
import dev.tokenservices.shared.registry.GrantTypes;
import dev.tokenservices.core.client.ClientAuthenticator;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.token.grant.ScopePolicy;
import dev.tokenservices.shared.json.JsonText;
import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.token.registry.RegistryCache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The device authorization endpoint (RFC 8628 §3.1–3.2): a device (usually a public client) asks for
 * a device code and a user code to show; the user enters the code at the portal. Public clients need
 * no secret, so their requests are counted per client address ({@link DeviceAuthorizationLimit})
 * before any record is written: past the limit {@code 429 slow_down} with {@code Retry-After}.
 *
 * <p>A request may carry a DPoP proof (RFC 9449, as §10's {@code dpop_jkt} does for authorization
 * requests): its key is pinned on the device code from the start, so only a poll proving that key
 * receives tokens, bound to it. Without one, the key of the first poll is pinned ({@link DeviceCodeGrant}).
 */
@Path("/device_authorization")
public class DeviceAuthorizationResource {

    private final ClientAuthenticator authenticator;
    private final DpopVerifier dpop;
    private final DeviceCodeStore store;
    private final DeviceAuthorizationLimit limit;
    private final RegistryCache registry;
    private final String verificationUri;
    private final String issuer;
    private final Duration lifetime;
    private final Duration interval;

    public DeviceAuthorizationResource(ClientAuthenticator authenticator, DpopVerifier dpop, DeviceCodeStore store,
            DeviceAuthorizationLimit limit, RegistryCache registry, TokenServiceConfig config) {
        this.authenticator = authenticator;
        this.dpop = dpop;
        this.store = store;
        this.limit = limit;
        this.registry = registry;
        this.verificationUri = config.device().portalUrl().replaceAll("/+$", "") + "/device";
        this.issuer = config.issuer();
        this.lifetime = config.device().codeLifetime();
        this.interval = config.device().pollInterval();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> authorize(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(DpopVerifier.HEADER) List<String> proofs,
            String body, @Context HttpServerRequest http) {
        FormRequest request = FormRequest.parse(contentType, body, authorization);
        return authenticator.authenticate(request).chain(client -> {
            if (client.entry().isConfidential()) {
                return issueCodes(request, client, proofs);
            }
            return limit.count(limit.clientAddress(http)).chain(retryAfter -> retryAfter.isPresent()
                    ? Uni.createFrom().item(slowDown(retryAfter.get()))
                    : issueCodes(request, client, proofs));
        });
    }

    private Uni<Response> issueCodes(FormRequest request, RegisteredClient client, List<String> proofs) {
        if (!client.entry().allowsGrant(GrantTypes.DEVICE_CODE)) {
            throw OAuthException.unauthorizedClient("this client is not allowed to use the device authorization grant");
        }
        RegistryCache.Snapshot snapshot = registry.snapshot();
        // the same rules as at the token endpoint, so the device learns of a bad scope now, not after the user approved
        ScopePolicy.Decision decision = new ScopePolicy(snapshot.resourceByScope()::get, snapshot.resources(), issuer)
                .decide(client.entry(), request.get("scope"), List.of());
        Uni<Optional<String>> jkt = proofs == null || proofs.isEmpty()
                ? Uni.createFrom().item(Optional.empty())
                : dpop.verify(proofs, "POST", issuer + "/device_authorization").map(proof -> Optional.of(proof.jkt()));
        return jkt.chain(key -> store.create(client.clientId(), String.join(" ", decision.scopes()), lifetime, interval, key))
                .map(issued -> Response.ok(json(issued), MediaType.APPLICATION_JSON_TYPE)
                        .header("Cache-Control", "no-store").header("Pragma", "no-cache").build());
    }

    /** RFC 8628 §3.5's error for a device asking too often, with RFC 9110 §10.2.3 Retry-After in whole seconds. */
    private static Response slowDown(Duration retryAfter) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return OAuthResponses.error(429, OAuthErrors.SLOW_DOWN,
                        "too many device authorization requests from this address; try again in " + seconds + " s")
                .header("Retry-After", Long.toString(seconds)).build();
    }

    private String json(DeviceCodeStore.Issued issued) {
        StringBuilder sb = new StringBuilder(256).append('{');
        JsonText.field(sb, "device_code", issued.deviceCode()).append(',');
        JsonText.field(sb, "user_code", issued.userCode()).append(',');
        JsonText.field(sb, "verification_uri", verificationUri).append(',');
        JsonText.field(sb, "verification_uri_complete",
                verificationUri + "?user_code=" + URLEncoder.encode(issued.userCode(), StandardCharsets.UTF_8));
        return sb.append(",\"expires_in\":").append(lifetime.toSeconds())
                .append(",\"interval\":").append(interval.toSeconds()).append('}').toString();
    }
}
