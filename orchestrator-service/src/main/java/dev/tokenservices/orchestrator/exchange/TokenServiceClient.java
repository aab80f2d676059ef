package dev.tokenservices.orchestrator.exchange;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.metrics.LoginMetrics;
import dev.tokenservices.orchestrator.registry.Clients;
import dev.tokenservices.orchestrator.session.ExchangedTokens;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.oauth.OAuthErrors;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ResourceEntry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.jboss.logging.Logger;

/**
 * "What comes next": the token service, called as the orchestrator's own client (client_secret_basic).
 * A login's upstream id_token is exchanged (RFC 8693) for one access token over every resource the
 * scope authorities granted, plus a refresh token; when that token spans several resources, it is
 * exchanged again per resource, in parallel, so that each API receives a token meant for it alone.
 */
@ApplicationScoped
public class TokenServiceClient {

    private static final Logger LOG = Logger.getLogger(TokenServiceClient.class);
    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

    private final WebClient web;
    private final String tokenUrl;
    private final String revokeUrl;
    private final String authorization;
    private final Duration timeout;
    private final Clients clients;
    private final LoginMetrics metrics;

    public TokenServiceClient(Vertx vertx, OrchestratorConfig config, Clients clients, LoginMetrics metrics) {
        this.clients = clients;
        this.metrics = metrics;
        this.timeout = config.dependencyTimeout();
        String base = config.tokenService().url().replaceAll("/+$", "");
        this.tokenUrl = base + "/token";
        this.revokeUrl = base + "/revoke";
        String id = URLEncoder.encode(config.tokenService().clientId(), StandardCharsets.UTF_8);
        String secret = URLEncoder.encode(config.tokenService().clientSecret().orElse(""), StandardCharsets.UTF_8);
        if (config.tokenService().clientSecret().isEmpty()) {
            LOG.warn("ORCHESTRATOR_SECRET is not set: logins cannot be exchanged for access tokens at the token service");
        }
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
        this.web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout((int) timeout.toMillis())
                .setIdleTimeout(30).setKeepAlive(true).setMaxPoolSize(32));
    }

    @PreDestroy
    void close() {
        web.close();
    }

    /**
     * Exchanges an upstream id_token for the API scopes among {@code apiScopes}. Nothing requested or
     * nothing granted (400 invalid_scope) is not an error: the login goes on without API access.
     */
    public Uni<ExchangedTokens> exchange(String upstreamIdToken, List<String> apiScopes) {
        if (apiScopes.isEmpty()) {
            return Uni.createFrom().item(ExchangedTokens.none());
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", TOKEN_EXCHANGE);
        form.put("subject_token", upstreamIdToken);
        form.put("subject_token_type", ID_TOKEN);
        form.put("requested_token_type", ACCESS_TOKEN);
        form.put("scope", String.join(" ", apiScopes));
        long start = System.nanoTime();
        return post(tokenUrl, form)
                .invoke(r -> metrics.exchange("token_exchange", r.statusCode(), start))
                .chain(response -> {
                    if (response.statusCode() == 400 && OAuthErrors.INVALID_SCOPE.equals(error(response))) {
                        return Uni.createFrom().item(ExchangedTokens.none());
                    }
                    Map<String, Object> body = success(response, "token exchange");
                    return split(body);
                });
    }

    /** Refreshes at the token service (rotating its refresh token), then splits per resource again. */
    public Uni<ExchangedTokens> refresh(String tsRefreshToken) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", tsRefreshToken);
        long start = System.nanoTime();
        return post(tokenUrl, form)
                .invoke(r -> metrics.exchange("refresh_token", r.statusCode(), start))
                .chain(response -> {
                    if (response.statusCode() == 400) {
                        String error = error(response);
                        if (OAuthErrors.INVALID_GRANT.equals(error)) {
                            throw OAuthException.invalidGrant("the login behind this refresh token has ended");
                        }
                        if (OAuthErrors.INVALID_SCOPE.equals(error)) {
                            return Uni.createFrom().item(ExchangedTokens.none());
                        }
                    }
                    return split(success(response, "refresh"));
                });
    }

    /** RFC 7009 at the token service; failures are logged, never thrown (revocation is best effort here). */
    public Uni<Void> revoke(String token) {
        if (token == null) {
            return Uni.createFrom().voidItem();
        }
        return post(revokeUrl, Map.of("token", token))
                .invoke(r -> {
                    if (r.statusCode() != 200) {
                        LOG.warnf("token service refused a revocation: HTTP %d", r.statusCode());
                    }
                })
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("revocation at the token service failed: %s", e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<ExchangedTokens> split(Map<String, Object> body) {
        String accessToken = (String) body.get("access_token");
        int expiresIn = body.get("expires_in") instanceof Number n ? n.intValue() : 300;
        String scope = body.get("scope") instanceof String s ? s : "";
        String refreshToken = body.get("refresh_token") instanceof String s ? s : null;
        List<String> audiences = audiences(accessToken);
        if (audiences.size() < 2) {
            return Uni.createFrom().item(new ExchangedTokens(accessToken, expiresIn, scope, refreshToken, Map.of()));
        }
        Set<String> granted = Set.of(scope.split(" "));
        List<Uni<Map.Entry<String, ExchangedTokens.PerResource>>> calls = new ArrayList<>();
        for (String resource : audiences) {
            ResourceEntry entry = clients.resource(resource).orElse(null);
            if (entry == null) {
                continue;
            }
            List<String> scopes = entry.scopes().stream().filter(granted::contains).toList();
            if (!scopes.isEmpty()) {
                calls.add(narrow(accessToken, resource, scopes));
            }
        }
        if (calls.isEmpty()) {
            return Uni.createFrom().item(new ExchangedTokens(accessToken, expiresIn, scope, refreshToken, Map.of()));
        }
        return Uni.join().all(calls).andFailFast().map(entries -> {
            Map<String, ExchangedTokens.PerResource> perResource = new LinkedHashMap<>();
            entries.forEach(e -> perResource.put(e.getKey(), e.getValue()));
            return new ExchangedTokens(accessToken, expiresIn, scope, refreshToken, perResource);
        });
    }

    private Uni<Map.Entry<String, ExchangedTokens.PerResource>> narrow(String accessToken, String resource, List<String> scopes) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", TOKEN_EXCHANGE);
        form.put("subject_token", accessToken);
        form.put("subject_token_type", ACCESS_TOKEN);
        form.put("requested_token_type", ACCESS_TOKEN);
        form.put("resource", resource);
        form.put("scope", String.join(" ", scopes));
        long start = System.nanoTime();
        return post(tokenUrl, form)
                .invoke(r -> metrics.exchange("per_resource", r.statusCode(), start))
                .map(response -> {
                    Map<String, Object> body = success(response, "per-resource exchange");
                    return Map.entry(resource, new ExchangedTokens.PerResource((String) body.get("access_token"),
                            body.get("expires_in") instanceof Number n ? n.intValue() : 300,
                            body.get("scope") instanceof String s ? s : String.join(" ", scopes)));
                });
    }

    private Uni<HttpResponse<Buffer>> post(String url, Map<String, String> form) {
        StringJoiner body = new StringJoiner("&");
        form.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return web.postAbs(url)
                .putHeader("Content-Type", "application/x-www-form-urlencoded")
                .putHeader("Accept", "application/json")
                .putHeader("Authorization", authorization)
                .timeout(timeout.toMillis())
                .sendBuffer(Buffer.buffer(body.toString()))
                .onFailure().transform(e -> {
                    LOG.warnf("token service not reachable: %s", e.getClass().getSimpleName());
                    return OAuthException.temporarilyUnavailable("the token service is not available; try again later");
                });
    }

    private static Map<String, Object> success(HttpResponse<Buffer> response, String what) {
        int status = response.statusCode();
        if (status == 200) {
            try {
                Map<String, Object> body = Json.object(response.bodyAsString());
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

    private static String error(HttpResponse<Buffer> response) {
        try {
            Object error = Json.object(response.bodyAsString()).get("error");
            return error instanceof String s ? s : "?";
        } catch (RuntimeException e) {
            return "?";
        }
    }

    /** The {@code aud} of a token the token service just gave us over its own connection (not verified here). */
    static List<String> audiences(String jwt) {
        try {
            String[] parts = jwt.split("\\.");
            Map<String, Object> claims = Json.object(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            Object aud = claims.get("aud");
            if (aud instanceof String s) {
                return List.of(s);
            }
            if (aud instanceof List<?> list) {
                return list.stream().map(String::valueOf).toList();
            }
        } catch (RuntimeException e) {
            // not a JWT: one token, no split
        }
        return List.of();
    }
}
