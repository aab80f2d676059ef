package dev.tokenservices.portal.usercode;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.shared.device.DeviceCodes;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Limits guessing of user codes (RFC 8628 §5.1). Every attempt first reserves one try, per browser
 * session and per client address, in Redis counters ({@code ts:portal:wrong:*}, fixed windows that
 * start with the first try); only a reservation within both limits may look the code up. As the
 * reservation is one atomic INCR, parallel attempts each get their own number: of any burst, only
 * the first tries within the limit are looked up, and the rest answer 429 without a lookup, so a
 * guess beyond the limit learns nothing, whatever the code. A try whose code names a record is
 * {@linkplain #refund refunded}: only wrong codes use up the allowance, and a person with a few typos
 * stays under it.
 *
 * <p>A session's and an address's counters are different keys in different Redis Cluster slots, so
 * they are two steps, the session first: a session over its limit does not use up its address's
 * allowance. Keys hold hashes of the session and the address, never the values themselves.
 */
@ApplicationScoped
public class WrongCodeLimiter {

    private static final Logger LOG = Logger.getLogger(WrongCodeLimiter.class);
    static final String SESSION_PREFIX = "ts:portal:wrong:session:";
    static final String IP_PREFIX = "ts:portal:wrong:ip:";

    /** INCR that gives the counter its window as TTL whenever it has none: a counter never lives forever. */
    private static final String RESERVE_SCRIPT = """
            local n = redis.call('INCR', KEYS[1])
            if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            return n
            """;

    /** DECR only of a live counter: a refund after the window ended must not leave a counter without TTL. */
    private static final String REFUND_SCRIPT = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            return redis.call('DECR', KEYS[1])
            """;

    private final ReactiveRedisDataSource redis;
    private final PortalConfig config;

    public WrongCodeLimiter(ReactiveRedisDataSource redis, PortalConfig config) {
        this.redis = redis;
        this.config = config;
    }

    /**
     * Reserves one try for this session and address; false when either is over its limit (the answer
     * is then 429 and the code is not looked up).
     */
    public Uni<Boolean> reserve(String session, String address) {
        return count(RESERVE_SCRIPT, sessionKey(session))
                .chain(inSession -> inSession > config.rateLimit().perSession()
                        ? Uni.createFrom().item(false)
                        : count(RESERVE_SCRIPT, ipKey(address)).map(fromAddress -> fromAddress <= config.rateLimit().perIp()));
    }

    /** Gives back a reserved try whose code turned out to name a record. */
    public Uni<Void> refund(String session, String address) {
        return Uni.combine().all().unis(count(REFUND_SCRIPT, sessionKey(session)), count(REFUND_SCRIPT, ipKey(address)))
                .discardItems();
    }

    /** The counter of a browser session (its CSRF cookie value), as stored: only its hash. */
    public static String sessionKey(String session) {
        return SESSION_PREFIX + Hashes.sha256Hex(session);
    }

    /** The counter of a client address, as stored: only its hash. */
    public static String ipKey(String address) {
        return IP_PREFIX + Hashes.sha256Hex(address);
    }

    /** Runs a counter script on one key (ARGV[1]: the window in ms); the counter's value after it. */
    private Uni<Long> count(String script, String key) {
        return redis.execute("EVAL", script, "1", key, Long.toString(config.rateLimit().window().toMillis())).ifNoItem().after(config.dependencyTimeout()).fail()
                .onFailure().transform(e -> {
                    LOG.warnf("Redis unavailable: %s", e.toString());
                    return new PortalUnavailableException(e);
                })
                .map(r -> r.toLong());
    }
}
