package dev.tokenservices.orchestrator.exchange;

import dev.tokenservices.core.authority.InteractionRequired;
import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.BasicCredentials;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import io.smallrye.mutiny.Uni;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.tokenservices.orchestrator.upstream.UpstreamHttp;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * "What comes next": the token service, called as the orchestrator's own client (client_secret_basic,
 * {@code ORCHESTRATOR_CLIENT_ID}). A login's upstream id_token is exchanged (RFC 8693) once per
 * resource the login asks scopes of, in parallel, for an access token meant for that resource alone
 * and a refresh token that renews it. When the client holds a DPoP key, each access token is bound to
 * it (RFC 9449): the orchestrator cannot sign the client's proofs, so it names the key with
 * {@code dpop_jkt} (RFC 9449 §10's parameter), at the exchange and at the refresh alike, and the
 * token service binds the token it issues; a token service that answers a bearer token instead is an
 * error ({@link #requireBound}).
 */
@ApplicationScoped
public class TokenServiceClient {

    private static final Logger LOG = Logger.getLogger(TokenServiceClient.class);
    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

    private final UpstreamHttp http;
    private final URI tokenUrl;
    private final URI revokeUrl;
    private final String authorization;
    private final Duration timeout;
    private final DependencyGuard guard;
    private final Clients clients;
    private final LoginMetrics metrics;

    public TokenServiceClient(UpstreamHttp http, OrchestratorConfig config, Clients clients, LoginMetrics metrics) {
        this.http = http;
        this.clients = clients;
        this.metrics = metrics;
        this.timeout = config.dependencyTimeout();
        this.guard = new DependencyGuard("the token service", timeout, "the token service is not available; try again later");
        String base = config.tokenService().url().replaceAll("/+$", "");
        this.tokenUrl = URI.create(base + "/token");
        this.revokeUrl = URI.create(base + "/revoke");
        if (config.tokenService().clientSecret().isEmpty()) {
            LOG.warn("ORCHESTRATOR_SECRET is not set: logins cannot be exchanged for access tokens at the token service");
        }
        this.authorization = new BasicCredentials(config.tokenService().clientId(), config.tokenService().clientSecret().orElse(""))
                .header();
    }

    /**
     * Exchanges an upstream id_token for the API scopes among {@code apiScopes}, one exchange per
     * resource (RFC 8693 with an RFC 8707 {@code resource}), in parallel: each API's token names that
     * API alone as {@code aud}, so no token can be replayed at another API, and no multi-audience
     * token is ever asked for. A scope that belongs to no registered resource cannot be carried by
     * any API's token and is not requested. A resource whose authority grants nothing (400
     * invalid_scope / invalid_target) is left out: the login goes on without it. A resource whose
     * authority waits for the user (the answer's {@code interaction_required} member, with a token
     * for what it grants now or with 400 invalid_scope) is listed in
     * {@link ExchangedTokens#interactions()}.
     *
     * @param apiScopes the login's scopes: a login narrowed by {@code resource} (RFC 8707) holds
     *                  only the scopes of the APIs it named, so only those are asked for
     * @param dpopJkt   the client's DPoP key the access tokens are bound to, or null
     */
    public Uni<ExchangedTokens> exchange(String upstreamIdToken, List<String> apiScopes, String dpopJkt) {
        Map<String, List<String>> byResource = new LinkedHashMap<>();
        for (ResourceEntry resource : clients.resources()) {
            List<String> scopes = apiScopes.stream().filter(resource.scopes()::contains).toList();
            if (!scopes.isEmpty()) {
                byResource.put(resource.resource(), scopes);
            }
        }
        List<Uni<Outcome>> calls = new ArrayList<>();
        byResource.forEach((resource, scopes) -> {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", TOKEN_EXCHANGE);
            form.put("subject_token", upstreamIdToken);
            form.put("subject_token_type", ID_TOKEN);
            form.put("requested_token_type", ACCESS_TOKEN);
            form.put("resource", resource);
            form.put("scope", String.join(" ", scopes));
            if (dpopJkt != null) {
                form.put("dpop_jkt", dpopJkt);
            }
            calls.add(call(resource, form, "token_exchange", "token exchange"));
        });
        return combine(calls).chain(tokens -> requireBound(tokens, dpopJkt));
    }

    /**
     * Refreshes each resource's token at the token service (rotating its refresh token there, and
     * asking that resource's authority again, with the identity claims the token service keeps with
     * its refresh token). A resource now granted nothing is left out; a login that ended at the token
     * service (invalid_grant) ends here too. What an authority now waits for is in
     * {@link ExchangedTokens#interactions()}, as at {@link #exchange}.
     *
     * @param tsRefreshTokens per resource, the token service's refresh token
     * @param scopes          per resource, a narrower {@code scope} to ask for (RFC 6749 §6); a
     *                        resource absent here is refreshed with its whole grant
     * @param dpopJkt         the client's DPoP key the new access tokens are bound to, or null
     */
    public Uni<ExchangedTokens> refresh(Map<String, String> tsRefreshTokens, Map<String, String> scopes, String dpopJkt) {
        List<Uni<Outcome>> calls = new ArrayList<>();
        tsRefreshTokens.forEach((resource, refreshToken) -> {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", refreshToken);
            if (scopes.containsKey(resource)) {
                form.put("scope", scopes.get(resource));
            }
            if (dpopJkt != null) {
                form.put("dpop_jkt", dpopJkt);
            }
            calls.add(call(resource, form, "refresh_token", "refresh"));
        });
        return combine(calls).chain(tokens -> requireBound(tokens, dpopJkt));
    }

    /**
     * The tokens, when every access token is bound as asked ({@code token_type: DPoP}); else a
     * {@code server_error}, and everything obtained is revoked: no bearer token goes out where a bound
     * one is due.
     *
     * @param dpopJkt the key asked for, or null: the tokens as they are
     */
    private Uni<ExchangedTokens> requireBound(ExchangedTokens tokens, String dpopJkt) {
        if (dpopJkt == null) {
            return Uni.createFrom().item(tokens);
        }
        List<String> unbound = tokens.accessTokens().entrySet().stream().filter(e -> !e.getValue().bound()).map(Map.Entry::getKey).toList();
        if (unbound.isEmpty()) {
            return Uni.createFrom().item(tokens);
        }
        LOG.errorf("the token service did not bind the access tokens for %s to the client's DPoP key", unbound);
        return Uni.join().all(tokens.bearerTokens().stream().map(this::revoke).toList()).andFailFast()
                .chain(() -> Uni.createFrom().failure(new OAuthException(OAuthErrors.SERVER_ERROR,
                        "the token service did not bind the access token for " + unbound.get(0) + " to the client's DPoP key", 500)));
    }

    /** RFC 7009 at the token service; failures are logged, never thrown (revocation is best effort here). */
    public Uni<Void> revoke(String token) {
        if (token == null) {
            return Uni.createFrom().voidItem();
        }
        return post(revokeUrl, Map.of("token", token))
                .invoke(r -> {
                    if (r.getStatusCode() != 200) {
                        LOG.warnf("token service refused a revocation: HTTP %d", r.getStatusCode());
                    }
                })
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("revocation at the token service failed: %s", e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    /** One resource's answer: its tokens, nothing granted ({@code tokens} null), or a failure; and what its authority waits for. */
    private record Outcome(String resource, ExchangedTokens.PerResource tokens, String refreshToken, RuntimeException failure,
            List<ExchangedTokens.Interaction> interactions) {
    }


    private Uni<Outcome> call(String resource, Map<String, String> form, String metric, String what) {
        long start = System.nanoTime();
        return post(tokenUrl, form)
                .invoke(r -> metrics.exchange(metric, r.getStatusCode(), start))
                .map(response -> {
                    if (response.getStatusCode() == 400) {
                        String error = error(response);
                        if (OAuthErrors.INVALID_GRANT.equals(error)) {
                            throw OAuthException.invalidGrant("the login behind this refresh token has ended");
                        }
                        if (OAuthErrors.INVALID_SCOPE.equals(error) || OAuthErrors.INVALID_TARGET.equals(error)) {
                            return new Outcome(resource, null, null, null, interactions(resource, response));
                        }
                    }
                    Map<String, Object> body = success(response, what);
                    String refreshToken = body.get("refresh_token") instanceof String rt ? rt : null;
                    return new Outcome(resource, new ExchangedTokens.PerResource((String) body.get("access_token"),
                            body.get("expires_in") instanceof Number n ? n.intValue() : 300,
                            body.get("scope") instanceof String sc ? sc : "",
                            body.get("token_type") instanceof String type ? type : "Bearer"), refreshToken, null, interactions(resource, body));
                })
                .onFailure(RuntimeException.class).recoverWithItem(e -> new Outcome(resource, null, null, (RuntimeException) e, List.of()));
    }

    private static List<ExchangedTokens.Interaction> interactions(String resource, HTTPResponse response) {
        try {
            return interactions(resource, Json.object(body(response)));
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /**
     * The answer's {@code interaction_required} member (read as the token service writes it,
     * {@link InteractionRequired}): the entries of this exchange's resource. A member that does not
     * read is ignored, with a warning: the login goes on with what was granted.
     */
    private static List<ExchangedTokens.Interaction> interactions(String resource, Map<String, Object> body) {
        Object member = body.get(InteractionRequired.MEMBER);
        if (member == null) {
            return List.of();
        }
        Optional<List<InteractionRequired>> entries = InteractionRequired.parse(Json.MAPPER.valueToTree(member));
        if (entries.isEmpty()) {
            LOG.warnf("the token service's %s member for %s does not read; ignored", InteractionRequired.MEMBER, resource);
            return List.of();
        }
        return entries.get().stream().filter(e -> resource.equals(e.resource()))
                .map(e -> new ExchangedTokens.Interaction(e.resource(), e.url(), e.reason(), e.message())).toList();
    }

    /**
     * All resources' answers in one; when one failed, the whole call fails with its error and the
     * refresh tokens the others obtained are revoked (nobody would hold them).
     */
    private Uni<ExchangedTokens> combine(List<Uni<Outcome>> calls) {
        if (calls.isEmpty()) {
            return Uni.createFrom().item(ExchangedTokens.none());
        }
        return Uni.join().all(calls).andFailFast().chain(outcomes -> {
            Map<String, ExchangedTokens.PerResource> accessTokens = new LinkedHashMap<>();
            Map<String, String> refreshTokens = new LinkedHashMap<>();
            List<ExchangedTokens.Interaction> interactions = new ArrayList<>();
            RuntimeException failure = null;
            for (Outcome outcome : outcomes) {
                if (outcome.failure() != null) {
                    failure = failure == null || OAuthErrors.INVALID_GRANT.equals(error(outcome.failure())) ? outcome.failure() : failure;
                    continue;
                }
                interactions.addAll(outcome.interactions());
                if (outcome.tokens() != null) {
                    accessTokens.put(outcome.resource(), outcome.tokens());
                    if (outcome.refreshToken() != null) {
                        refreshTokens.put(outcome.resource(), outcome.refreshToken());
                    }
                }
            }
            if (failure == null) {
                return Uni.createFrom().item(new ExchangedTokens(accessTokens, refreshTokens, interactions));
            }
            RuntimeException error = failure;
            List<Uni<Void>> revocations = refreshTokens.values().stream().map(this::revoke).toList();
            return (revocations.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(revocations).andFailFast().replaceWithVoid())
                    .chain(() -> Uni.createFrom().<ExchangedTokens>failure(error));
        });
    }

    private static String error(RuntimeException e) {
        return e instanceof OAuthException o ? o.error() : "";
    }

    /**
     * One POST to the token service, on a connection of the calling event loop ({@link UpstreamHttp}:
     * pooled per loop, kept alive, bounded in time and size), so a login's exchanges never leave the
     * thread of its request.
     */
    private Uni<HTTPResponse> post(URI url, Map<String, String> form) {
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.POST, url);
        request.setHeader("Content-Type", "application/x-www-form-urlencoded");
        request.setAccept("application/json");
        request.setAuthorization(authorization);
        request.setBody(FormRequest.body(form));
        return guard.call(http.send(request, (int) timeout.toMillis()));
    }

    private static String body(HTTPResponse response) {
        return response.getBody() == null ? "" : response.getBody();
    }

    private static Map<String, Object> success(HTTPResponse response, String what) {
        int status = response.getStatusCode();
        if (status == 200) {
            try {
                Map<String, Object> body = Json.object(body(response));
                if (body.get("access_token") instanceof String) {
                    return body;
                }
            } catch (IllegalArgumentException e) {
                // fall through
            }
            throw new OAuthException(OAuthErrors.SERVER_ERROR, "the token service's " + what + " answer is not readable", 500);
        }
        if (status == 503 || status >= 500) {
            throw OAuthException.temporarilyUnavailable("the token service is not available; try again later");
        }
        LOG.warnf("token service refused the %s: HTTP %d %s", what, status, error(response));
        throw new OAuthException(OAuthErrors.SERVER_ERROR, "the token service refused the " + what + " (" + error(response) + ")", 500);
    }

    private static String error(HTTPResponse response) {
        try {
            Object error = Json.object(body(response)).get("error");
            return error instanceof String s ? s : "?";
        } catch (RuntimeException e) {
            return "?";
        }
    }
}
