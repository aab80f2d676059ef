package dev.tokenservices.core.keys;

import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.jose.SigningKey;
import dev.tokenservices.shared.jose.SigningKeys;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * An authorization server's signing keys as a bean: loaded once at start-up (there must be a usable
 * key before the service serves), refreshed on the service's timer, read from memory by requests.
 * The token service and the orchestrator each extend it over their own table and settings. An issuer
 * may sign with several algorithms: one key family per algorithm, each rotating on its own schedule,
 * all published in one JWK Set.
 */
public abstract class IssuerKeys {

    private static final Logger LOG = Logger.getLogger(IssuerKeys.class);

    /** The families, the first one signing when no algorithm is asked for. */
    private volatile List<SigningKeys> families = List.of();
    /** The JWK Set of every family, made again when a family's own JWK Set changes. */
    private volatile Published published = new Published(List.of(), "{\"keys\":[]}");

    private record Published(List<String> parts, String jwksJson) {
    }

    /** What the log lines call these keys ("signing keys", "id_token signing keys"). */
    protected abstract String name();

    /**
     * Called once at start-up, off the event loop, with one family per algorithm: the first signs
     * by default, and the JWK Set lists the families in this order.
     */
    protected void load(SigningKeys... loaded) {
        Set<KeyAlgorithm> seen = new HashSet<>();
        for (SigningKeys family : loaded) {
            if (!seen.add(family.algorithm())) {
                throw new IllegalArgumentException(name() + ": two key families for " + family.algorithm());
            }
            awaitOnSafeContext(family.refresh());
            LOG.infof("%s: %d published, active %s", name(), family.publishedKeys().size(), family.signingKey());
        }
        families = List.of(loaded);
    }

    /**
     * Waits for {@code refresh} on a new Vert.x context of its own, as Hibernate Reactive needs (a
     * context flagged safe, never the caller's thread): start-up is the one place that waits.
     */
    private static void awaitOnSafeContext(Uni<Void> refresh) {
        try {
            VertxContextSupport.subscribeAndAwait(() -> refresh.ifNoItem().after(Duration.ofSeconds(30)).fail());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Called by the service's timer, which subscribes on a Vert.x event loop (the scheduled method
     * returns this Uni): Hibernate Reactive runs only there. A failed refresh keeps signing with the
     * cached keys; the next round tries again. Families refresh one after the other.
     */
    protected Uni<Void> refreshOrKeep(Duration patience) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (SigningKeys family : families) {
            all = all.chain(() -> family.refresh().ifNoItem().after(patience).fail()
                    .onFailure().recoverWithItem(e -> {
                        LOG.warnf("%s (%s) not refreshed (%s); the cached keys stay in use", name(), family.algorithm(),
                                e.getMessage());
                        return null;
                    }));
        }
        return all;
    }

    /** The active key of the first family. */
    public SigningKey signingKey() {
        return families.get(0).signingKey();
    }

    /** The active key of the family of {@code algorithm}. */
    public SigningKey signingKey(KeyAlgorithm algorithm) {
        for (SigningKeys family : families) {
            if (family.algorithm() == algorithm) {
                return family.signingKey();
            }
        }
        throw new IllegalStateException(name() + ": no " + algorithm + " key family");
    }

    /** The algorithms these keys sign with, the default first. */
    public List<KeyAlgorithm> algorithms() {
        return families.stream().map(SigningKeys::algorithm).toList();
    }

    public Optional<SigningKey> key(String kid) {
        for (SigningKeys family : families) {
            Optional<SigningKey> key = family.key(kid);
            if (key.isPresent()) {
                return key;
            }
        }
        return Optional.empty();
    }

    /** The JWK Set document (RFC 7517 §5): every published key of every family. */
    public String jwksJson() {
        List<SigningKeys> current = families;
        if (current.size() == 1) {
            return current.get(0).jwksJson();
        }
        // a family's JWK Set is the same String until its keys change: the cheap test of a change
        List<String> parts = current.stream().map(SigningKeys::jwksJson).toList();
        Published known = published;
        if (sameInstances(known.parts(), parts)) {
            return known.jwksJson();
        }
        String jwks = current.stream().flatMap(f -> f.publishedKeys().stream())
                .map(k -> k.publicJwk().toPublicJWK().toJSONString())
                .collect(Collectors.joining(",", "{\"keys\":[", "]}"));
        Published made = new Published(parts, jwks);
        published = made;
        return made.jwksJson();
    }

    private static boolean sameInstances(List<String> a, List<String> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    public List<SigningKey> publishedKeys() {
        return families.stream().flatMap(f -> f.publishedKeys().stream()).toList();
    }

    /** The family of the default algorithm. */
    protected SigningKeys keys() {
        return families.get(0);
    }
}
