package dev.tokenservices.portal.usercode;

import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.shared.device.DeviceCodes;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Device-code records in Redis, read and decided on in the format shared with the token service
 * (RFC 8628 §3.3): user code → index → record; pending → approved | denied by the shared script.
 */
@ApplicationScoped
public class DeviceRequests {

    private static final Logger LOG = Logger.getLogger(DeviceRequests.class);

    private final ReactiveRedisDataSource redis;
    private final Clock clock;
    private final PortalConfig config;
    private final DecisionMac mac;

    public DeviceRequests(ReactiveRedisDataSource redis, Clock clock, PortalConfig config, DecisionMac mac) {
        this.redis = redis;
        this.clock = clock;
        this.config = config;
        this.mac = mac;
    }

    /** Looks up what a person typed; case, spaces and dashes do not matter. */
    public Uni<CodeLookup> lookup(String typed) {
        Optional<String> userCode = DeviceCodes.normalize(typed);
        if (userCode.isEmpty()) {
            return Uni.createFrom().item(CodeLookup.unknown());
        }
        return guard(redis.value(String.class).get(DeviceCodes.userCodeKey(userCode.get())))
                .chain(hash -> hash == null ? Uni.createFrom().item(CodeLookup.unknown()) : read(userCode.get(), hash));
    }

    private Uni<CodeLookup> read(String userCode, String hash) {
        // the index names the record by the device code's hash; the hash tag is the user code's
        String key = DeviceCodes.recordKeyOfHash(DeviceCodes.hashTag(userCode), hash);
        return guard(redis.hash(String.class).hgetall(key)).map(fields -> classify(key, userCode, fields));
    }

    private CodeLookup classify(String key, String userCode, Map<String, String> fields) {
        DeviceCodes.State state = DeviceCodes.State.of(fields.get(DeviceCodes.STATUS)).orElse(null);
        String clientId = fields.get(DeviceCodes.CLIENT_ID);
        Instant expiresAt = parseEpochSeconds(fields.get(DeviceCodes.EXPIRES_AT));
        // The index must point at the record of this very code; anything else is not ours to show.
        if (state == null || clientId == null || expiresAt == null || !userCode.equals(fields.get(DeviceCodes.USER_CODE_FIELD))) {
            return CodeLookup.unknown();
        }
        String scope = fields.getOrDefault(DeviceCodes.SCOPE, "");
        List<String> scopes = scope.isBlank() ? List.of() : Arrays.asList(scope.trim().split(" +"));
        DeviceRequest request = new DeviceRequest(key, userCode, clientId, scope, scopes, state, expiresAt);
        if (state != DeviceCodes.State.PENDING) {
            return CodeLookup.of(CodeLookup.Outcome.USED, request);
        }
        if (!clock.instant().isBefore(expiresAt)) {
            return CodeLookup.of(CodeLookup.Outcome.EXPIRED, request);
        }
        return CodeLookup.of(CodeLookup.Outcome.PENDING, request);
    }

    /**
     * Records the user's decision with its MAC, only while the record is pending (the shared script
     * checks and writes in one step). False when someone or something decided first. The MAC covers
     * the client and scope as read for the consent page: had they been changed in Redis since, the
     * token service refuses the approval.
     */
    public Uni<Boolean> decide(DeviceRequest request, boolean approve, Approval approval) {
        String status = request.state().moveTo(approve ? DeviceCodes.State.APPROVED : DeviceCodes.State.DENIED).wire();
        String decidedAt = Long.toString(clock.instant().getEpochSecond());
        return guard(redis.execute("EVAL", DeviceCodes.DECIDE_SCRIPT, "1", request.recordKey(), status,
                approval.subject(), approval.idp(), approval.claimsJson(), decidedAt, mac.of(request, status, approval, decidedAt)))
                .map(response -> response != null && response.toLong() == 1L);
    }

    private <T> Uni<T> guard(Uni<T> operation) {
        return operation.ifNoItem().after(config.dependencyTimeout()).fail()
                .onFailure().transform(e -> {
                    LOG.warnf("Redis unavailable: %s", e.toString());
                    return new PortalUnavailableException(e);
                });
    }

    private static Instant parseEpochSeconds(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.ofEpochSecond(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
