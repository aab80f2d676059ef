package dev.tokenservices.token.subject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.registry.RegistryCache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The keys of trusted issuers, found through their discovery document and cached as their JWKS
 * response's Cache-Control says. A kid we do not know triggers at most one refetch per issuer per
 * {@code ts.exchange.jwks-refetch-interval}, and concurrent requests share one fetch, so a flood of
 * unknown kids never becomes a flood of fetches. Only registered issuers are ever fetched.
 */
@ApplicationScoped
public class TrustedIssuers {

    private static final Logger LOG = Logger.getLogger(TrustedIssuers.class);
    private static final Pattern MAX_AGE = Pattern.compile("max-age\\s*=\\s*(\\d+)");
    private static final Duration MIN_CACHE = Duration.ofSeconds(60);
    private static final Duration MAX_CACHE = Duration.ofDays(1);
    private static final int MAX_DOCUMENT_BYTES = 512 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryCache registry;
    private final WebClient http;
    private final Clock clock;
    private final TokenServiceConfig.Exchange config;
    private final ConcurrentMap<String, IssuerState> states = new ConcurrentHashMap<>();
    private final DependencyGuard guard;

    /** What we know of one issuer; replaced as a whole. */
    private record Known(String jwksUri, JWKSet keys, Instant freshUntil, Instant fetchedAt) {
    }

    private static final class IssuerState {
        volatile Known known;
        Uni<Known> inFlight;
    }

    public TrustedIssuers(RegistryCache registry, WebClient http, Clock clock, TokenServiceConfig config) {
        this.registry = registry;
        this.http = http;
        this.clock = clock;
        this.config = config.exchange();
        this.guard = new DependencyGuard("a trusted issuer", this.config.fetchTimeout(),
                "the subject token's issuer cannot be reached; try again shortly");
    }

    /**
     * The registry's entries for a token with this {@code iss} and {@code tid} (empty when it is not
     * trusted: nothing else is ever contacted); each names the audiences it accepts, the clients that
     * may exchange them and its {@link dev.tokenservices.shared.registry.IssuerPolicy}.
     */
    public List<TrustedIssuerEntry> trusted(String issuer, Object tid) {
        if (issuer == null) {
            return List.of();
        }
        return registry.snapshot().trustedFor(issuer, tid);
    }

    /**
     * The keys of the issuer {@code entry} names (the issuer itself, never an alias or one tenant of a
     * templated issuer), refetched when stale or (rate-limited) when {@code kid} is unknown.
     */
    public Uni<JWKSet> keys(TrustedIssuerEntry entry, String kid) {
        String issuer = entry.issuer();
        IssuerState state = states.computeIfAbsent(issuer, i -> new IssuerState());
        Known known = state.known;
        Instant now = clock.instant();
        if (known != null) {
            boolean fresh = now.isBefore(known.freshUntil());
            boolean kidKnown = kid == null || known.keys().getKeyByKeyId(kid) != null;
            boolean mayRefetch = !now.isBefore(known.fetchedAt().plus(config.jwksRefetchInterval()));
            if (fresh && (kidKnown || !mayRefetch)) {
                return Uni.createFrom().item(known.keys());
            }
        }
        return fetch(entry, state).map(Known::keys);
    }

    private Uni<Known> fetch(TrustedIssuerEntry entry, IssuerState state) {
        synchronized (state) {
            if (state.inFlight == null) {
                Known previous = state.known;
                Uni<String> jwksUri = previous != null ? Uni.createFrom().item(previous.jwksUri()) : discover(entry);
                state.inFlight = jwksUri
                        .chain(uri -> get(uri).map(response -> known(uri, response)))
                        .onItemOrFailure().invoke((known, failure) -> {
                            synchronized (state) {
                                state.inFlight = null;
                                if (known != null) {
                                    state.known = known;
                                }
                            }
                        })
                        .memoize().indefinitely();
            }
            return state.inFlight;
        }
    }

    /**
     * OpenID Connect Discovery §4: the document (at the issuer's path, as Okta's custom authorization
     * servers and Keycloak's realms have it) must name exactly the issuer we trust; a templated
     * issuer's document is found through its discovery tenant and names the template itself.
     */
    private Uni<String> discover(TrustedIssuerEntry entry) {
        String issuer = entry.issuer();
        String url = entry.policy().discoveryUrl();
        return get(url).map(response -> {
            try {
                JsonNode doc = JSON.readTree(response.bodyAsString());
                if (!issuer.equals(doc.path("issuer").asText(null))) {
                    throw new IllegalStateException("discovery document of " + issuer + " names another issuer");
                }
                String jwksUri = doc.path("jwks_uri").asText(null);
                if (jwksUri == null || !(jwksUri.startsWith("https://") || jwksUri.startsWith("http://localhost")
                        || jwksUri.startsWith("http://127.0.0.1"))) {
                    throw new IllegalStateException("discovery document of " + issuer + " has no usable jwks_uri");
                }
                return jwksUri;
            } catch (java.io.IOException e) {
                throw new IllegalStateException("discovery document of " + issuer + " is not JSON");
            }
        });
    }

    private Uni<HttpResponse<io.vertx.mutiny.core.buffer.Buffer>> get(String url) {
        return guard.call(http.getAbs(url).putHeader("Accept", "application/json").timeout(config.fetchTimeout().toMillis()).send()
                .map(response -> {
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException(url + " answered " + response.statusCode());
                    }
                    if (response.body() != null && response.body().length() > MAX_DOCUMENT_BYTES) {
                        throw new IllegalStateException(url + " answered more than " + MAX_DOCUMENT_BYTES + " bytes");
                    }
                    return response;
                }));
    }

    private Known known(String jwksUri, HttpResponse<io.vertx.mutiny.core.buffer.Buffer> response) {
        JWKSet keys;
        try {
            keys = JWKSet.parse(response.bodyAsString());
        } catch (java.text.ParseException e) {
            LOG.warnf("JWKS at %s is not a JWK Set", jwksUri);
            throw OAuthException.temporarilyUnavailable("the subject token's issuer publishes unreadable keys");
        }
        Duration cache = config.jwksDefaultCacheTime();
        String cacheControl = response.getHeader("Cache-Control");
        if (cacheControl != null) {
            Matcher m = MAX_AGE.matcher(cacheControl);
            if (m.find()) {
                cache = Duration.ofSeconds(Long.parseLong(m.group(1).length() > 9 ? "999999999" : m.group(1)));
            }
            if (cacheControl.contains("no-store") || cacheControl.contains("no-cache")) {
                cache = MIN_CACHE;
            }
        }
        cache = cache.compareTo(MIN_CACHE) < 0 ? MIN_CACHE : cache.compareTo(MAX_CACHE) > 0 ? MAX_CACHE : cache;
        Instant now = clock.instant();
        return new Known(jwksUri, keys.toPublicJWKSet(), now.plus(cache), now);
    }
}
