package dev.tokenservices.orchestrator.upstream;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * The signing keys of one upstream IdP, from its {@code jwks_uri}, as Nimbus' default
 * {@code JWKSourceBuilder} keeps them, but fetched without blocking ({@link UpstreamHttp}): kept
 * {@link #TIME_TO_LIVE}, refreshed in the background in their last {@link #REFRESH_AHEAD} (a login
 * then uses the keys it has), refetched at once when a token names a key they do not hold, at most once
 * per {@link #REFETCH_INTERVAL} (a rotation is picked up at the first login that needs it, and a run of
 * unknown keys is not a run of fetches). Concurrent logins share one fetch. Only public keys are kept.
 */
final class UpstreamKeys {

    private static final Logger LOG = Logger.getLogger(UpstreamKeys.class);
    static final Duration TIME_TO_LIVE = Duration.ofMinutes(5);
    static final Duration REFRESH_AHEAD = Duration.ofSeconds(30);
    static final Duration REFETCH_INTERVAL = Duration.ofSeconds(30);

    /** A key set and when it was fetched; replaced as a whole. */
    private record Known(JWKSet keys, Instant fetchedAt) {
    }

    private final String idpId;
    private final URI jwksUri;
    private final int timeoutMillis;
    private final UpstreamHttp http;
    private final Clock clock;
    private volatile Known known;
    private volatile Instant lastFetch = Instant.MIN;
    /** The fetch under way; guarded by {@code this}. */
    private Uni<Known> inFlight;

    UpstreamKeys(String idpId, URI jwksUri, int timeoutMillis, UpstreamHttp http, Clock clock) {
        this.idpId = idpId;
        this.jwksUri = jwksUri;
        this.timeoutMillis = timeoutMillis;
        this.http = http;
        this.clock = clock;
    }

    /**
     * The keys to verify a token with this header; fails with {@link UpstreamException}
     * (UNAVAILABLE) when they are needed and cannot be fetched.
     *
     * @param fetchable whether a key for this header could be among the IdP's keys at all (its
     *                  {@code alg} one we accept): an unknown key is refetched only then
     */
    Uni<JWKSet> keysFor(JWSHeader header, boolean fetchable) {
        Known current = known;
        Instant now = clock.instant();
        if (current != null && now.isBefore(current.fetchedAt().plus(TIME_TO_LIVE))) {
            boolean held = !fetchable || holds(current.keys(), header);
            if (held || now.isBefore(lastFetch.plus(REFETCH_INTERVAL))) {
                if (!now.isBefore(current.fetchedAt().plus(TIME_TO_LIVE).minus(REFRESH_AHEAD))) {
                    fetch().subscribe().with(k -> { }, e -> LOG.infof("the keys of %s could not be refreshed: %s", idpId, e.getMessage()));
                }
                return Uni.createFrom().item(current.keys());
            }
        }
        // the fetch is shared: its answer goes back to each login's own event loop
        Context context = Vertx.currentContext();
        Uni<Known> shared = fetch();
        return (context == null ? shared : shared.emitOn(task -> context.runOnContext(v -> task.run()))).map(Known::keys);
    }

    private static boolean holds(JWKSet keys, JWSHeader header) {
        JWKMatcher matcher = JWKMatcher.forJWSHeader(header);
        return matcher != null && !new JWKSelector(matcher).select(keys).isEmpty();
    }

    private synchronized Uni<Known> fetch() {
        if (inFlight == null) {
            lastFetch = clock.instant();
            HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, jwksUri);
            request.setAccept("application/json");
            inFlight = http.send(request, timeoutMillis)
                    .onFailure(IOException.class).transform(e -> unavailable(e.getMessage()))
                    .map(this::parse)
                    .onItemOrFailure().invoke((fetched, failure) -> {
                        synchronized (this) {
                            inFlight = null;
                            if (fetched != null) {
                                known = fetched;
                            }
                        }
                    })
                    .memoize().indefinitely();
        }
        return inFlight;
    }

    private Known parse(HTTPResponse response) {
        if (response.getStatusCode() != 200) {
            throw unavailable("answered " + response.getStatusCode());
        }
        try {
            return new Known(JWKSet.parse(response.getBody() == null ? "" : response.getBody()).toPublicJWKSet(), clock.instant());
        } catch (ParseException e) {
            throw unavailable("not a JWK Set");
        }
    }

    private UpstreamException unavailable(String why) {
        LOG.infof("the keys of %s cannot be fetched from %s: %s", idpId, jwksUri, why);
        return new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the keys of " + idpId + " cannot be fetched");
    }
}
