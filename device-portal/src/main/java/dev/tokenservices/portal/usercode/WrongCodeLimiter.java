package dev.tokenservices.portal.usercode;

import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.shared.device.DeviceCodes;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Limits guessing of user codes (RFC 8628 §5.1): wrong codes are counted per browser session and per
 * client IP in Redis ({@code ts:portal:wrong:*}, fixed windows that start with the first wrong code).
 * Above either limit every code — right or wrong — answers 429 until the window ends, so a guess
 * beyond the limit learns nothing. A person with a few typos stays well under the limits.
 *
 * <p>Keys hold hashes of the session and the IP, never the values themselves. A session's and an IP's
 * counters are unrelated keys, in different Redis Cluster slots: only the read takes both, and in
 * Cluster mode the client splits that MGET by slot.
 */
@ApplicationScoped
public class WrongCodeLimiter {

    private static final Logger LOG = Logger.getLogger(WrongCodeLimiter.class);
    static final String SESSION_PREFIX = "ts:portal:wrong:session:";
    static final String IP_PREFIX = "ts:portal:wrong:ip:";

    /** INCR that gives a new counter its TTL in the same step: a counter never lives without one. */
    private static final String COUNT_SCRIPT = """
            local n = redis.call('INCR', KEYS[1])
            if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            return n
            """;

    private final ReactiveRedisDataSource redis;
    private final PortalConfig config;

    public WrongCodeLimiter(ReactiveRedisDataSource redis, PortalConfig config) {
        this.redis = redis;
        this.config = config;
    }

    /** True when this session or IP went over its limit in the current window (and was told so). */
    public Uni<Boolean> isBlocked(String session, String ip) {
        return guard(redis.value(String.class).mget(sessionKey(session), ipKey(ip)))
                .map(counts -> count(counts.get(sessionKey(session))) > config.rateLimit().perSession()
                        || count(counts.get(ipKey(ip))) > config.rateLimit().perIp());
    }

    /** Counts one wrong code; true when it went over a limit (the answer is then 429). */
    public Uni<Boolean> recordWrongCode(String session, String ip) {
        String window = Long.toString(config.rateLimit().window().toMillis());
        Uni<Long> perSession = guard(redis.execute("EVAL", COUNT_SCRIPT, "1", sessionKey(session), window)).map(r -> r.toLong());
        Uni<Long> perIp = guard(redis.execute("EVAL", COUNT_SCRIPT, "1", ipKey(ip), window)).map(r -> r.toLong());
        return Uni.combine().all().unis(perSession, perIp).asTuple()
                .map(counts -> counts.getItem1() > config.rateLimit().perSession() || counts.getItem2() > config.rateLimit().perIp());
    }

    static String sessionKey(String session) {
        return SESSION_PREFIX + DeviceCodes.sha256Hex(session);
    }

    static String ipKey(String ip) {
        return IP_PREFIX + DeviceCodes.sha256Hex(ip);
    }

    private static long count(String value) {
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private <T> Uni<T> guard(Uni<T> operation) {
        return operation.ifNoItem().after(config.dependencyTimeout()).fail()
                .onFailure().transform(e -> {
                    LOG.warnf("Redis unavailable: %s", e.toString());
                    return new PortalUnavailableException(e);
                });
    }
}
