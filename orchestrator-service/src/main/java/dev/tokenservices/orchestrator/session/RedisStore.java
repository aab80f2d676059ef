package dev.tokenservices.orchestrator.session;

import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.jose.KeyEncryption;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every orchestrator record in Redis (all with a TTL), so that any replica serves any step.
 *
 * <p>Every value is sealed (AES-256-GCM, {@link RecordSeal}) under a key derived from the master key
 * {@code TS_KEY_ENCRYPTION_KEY}, with its full Redis key as associated data: whoever reads Redis
 * learns no token, code or upstream id_token, and whoever writes it can neither forge a record (a
 * session, a code, a refresh family) nor move a genuine one under another key (another cookie's
 * session). A value that does not open reads as absent. Keys stay hashes of the secrets they are for.
 *
 * <p>Redis not answering within the dependency timeout is {@code temporarily_unavailable}.
 */
@ApplicationScoped
public class RedisStore {

    private static final Logger LOG = Logger.getLogger(RedisStore.class);
    public static final String PREFIX = "orch:";

    /** GET the first key; if present, DEL it and SET the second (the two keys share a hash tag: one Cluster slot). */
    private static final String TAKE_AND_PUT = "local v = redis.call('GET', KEYS[1]) "
            + "if not v then return false end "
            + "redis.call('DEL', KEYS[1]) "
            + "redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) "
            + "return v";
    /** SET only while the key still holds exactly the value read before (compare-and-set). */
    private static final String REPLACE = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";

    private final ReactiveValueCommands<String, String> values;
    private final ReactiveRedisDataSource redis;
    private final RecordSeal seal;
    private final DependencyGuard guard;

    public RedisStore(ReactiveRedisDataSource redis, OrchestratorConfig config, KeyEncryption masterKey) {
        this.redis = redis;
        this.values = redis.value(String.class, String.class);
        this.seal = masterKey.recordSeal("orchestrator redis records");
        this.guard = new DependencyGuard("Redis", config.dependencyTimeout(),
                "the session store is not available; try again later");
    }

    /** A value as read, with the stored form it was read from, for {@link #replace}. */
    public record Versioned(String value, String version) {
    }

    public Uni<Void> put(String key, String value, Duration ttl) {
        String full = PREFIX + key;
        return guard.call(values.psetex(full, millis(ttl), seal.seal(full, value)));
    }

    public Uni<Optional<String>> get(String key) {
        String full = PREFIX + key;
        return guard.call(values.get(full)).map(raw -> open(full, raw));
    }

    public Uni<Optional<Versioned>> read(String key) {
        String full = PREFIX + key;
        return guard.call(values.get(full)).map(raw -> open(full, raw).map(value -> new Versioned(value, raw)));
    }

    /** Writes {@code value} only if the record is still the one {@code expected} was read from; true when written. */
    public Uni<Boolean> replace(String key, Versioned expected, String value, Duration ttl) {
        String full = PREFIX + key;
        return guard.call(redis.execute("EVAL", REPLACE, "1", full, expected.version(), seal.seal(full, value), Long.toString(millis(ttl))))
                .map(response -> response != null && response.toLong() == 1);
    }

    /** GETDEL: read and delete in one step, so exactly one request gets a one-time record. */
    public Uni<Optional<String>> take(String key) {
        String full = PREFIX + key;
        return guard.call(values.getdel(full)).map(raw -> open(full, raw));
    }

    /** What {@link #takeAndPut} took, and what it put as {@link #replace} expects it. */
    public record Taken(String value, Versioned put) {
    }

    /**
     * Takes {@code takeKey} and, in the same step, writes {@code putKey} if there was something to
     * take; the two keys must share a Redis Cluster hash tag.
     */
    public Uni<Optional<Taken>> takeAndPut(String takeKey, String putKey, String putValue, Duration ttl) {
        String taken = PREFIX + takeKey;
        String put = PREFIX + putKey;
        String sealed = seal.seal(put, putValue);
        return guard.call(redis.execute("EVAL", TAKE_AND_PUT, "2", taken, put, sealed, Long.toString(millis(ttl))))
                .map(response -> open(taken, text(response)).map(value -> new Taken(value, new Versioned(putValue, sealed))));
    }

    public Uni<Void> delete(String key) {
        return guard.call(redis.key(String.class).del(PREFIX + key)).replaceWithVoid();
    }

    private Optional<String> open(String fullKey, String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        Optional<String> value = seal.open(fullKey, raw);
        if (value.isEmpty()) {
            // written by someone without the key, or moved here from another key: not ours to trust
            LOG.warnf("a Redis record under %s… does not open (forged, altered or moved); ignored",
                    fullKey.substring(0, Math.min(fullKey.length(), PREFIX.length() + 12)));
        }
        return value;
    }

    private static String text(Response response) {
        return response == null ? null : response.toString();
    }

    private static long millis(Duration ttl) {
        return Math.max(1, ttl.toMillis());
    }

}
