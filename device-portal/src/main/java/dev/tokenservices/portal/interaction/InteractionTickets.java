package dev.tokenservices.portal.interaction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.portal.usercode.Approval;
import dev.tokenservices.portal.usercode.PortalUnavailableException;
import dev.tokenservices.shared.crypto.Hashes;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The tickets the consent page hands to an API's page (ARCHITECTURE "What comes next"), which brings
 * them back to the consent page. A ticket is 256 random bits; Redis keeps, under its SHA-256 only
 * ({@value #PREFIX}…), for {@code portal.interaction-ticket-lifetime} (at most 10 minutes), which
 * device request and which API it was handed out for, and to whom: the hash of the browser's portal
 * session (its {@code portal_csrf} cookie) and the signed-in user. It opens once (GETDEL), only in
 * that browser and for that user; a ticket refused for another browser or user stays as it was.
 *
 * <p>A ticket grants nothing by itself: coming back only has the authorities asked again. So a
 * record written into Redis by someone else achieves no more than a reload of the consent page.
 */
@ApplicationScoped
public class InteractionTickets {

    private static final Logger LOG = Logger.getLogger(InteractionTickets.class);
    static final String PREFIX = "ts:portal:interaction:";
    private static final Pattern TICKET = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReactiveRedisDataSource redis;
    private final Duration lifetime;
    private final Duration timeout;

    public InteractionTickets(ReactiveRedisDataSource redis, PortalConfig config) {
        this.redis = redis;
        this.lifetime = config.interactionTicketLifetime();
        this.timeout = config.dependencyTimeout();
    }

    /** What a ticket was handed out for. */
    public record Ticketed(String userCode, String resource, String reason) {
    }

    /** Why a ticket that came back opens nothing. */
    public enum Refusal {
        /** Not one of ours, used before, or expired. */
        UNKNOWN,
        /** Handed out to another browser session or another user. */
        NOT_THIS_BROWSER
    }

    /** The ticket's record ({@code refusal} null), or why it opened nothing ({@code ticketed} null). */
    public record Opened(Ticketed ticketed, Refusal refusal) {
    }

    /** A new ticket for the API {@code resource} of the device request {@code userCode}, bound to this session and user. */
    public Uni<String> issue(String session, Approval user, String userCode, String resource, String reason) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        ObjectNode record = JSON.createObjectNode()
                .put("user_code", userCode)
                .put("resource", resource)
                .put("reason", reason)
                .put("browser", binding(session, user));
        return guard(redis.value(String.class).set(key(ticket), record.toString(), new SetArgs().px(lifetime)))
                .replaceWith(ticket);
    }

    /** Opens a ticket that came back, once: only in the session and for the user it was handed to. */
    public Uni<Opened> take(String ticket, String session, Approval user) {
        if (ticket == null || !TICKET.matcher(ticket).matches()) {
            return Uni.createFrom().item(new Opened(null, Refusal.UNKNOWN));
        }
        String key = key(ticket);
        return guard(redis.value(String.class).get(key)).chain(found -> {
            Optional<JsonNode> record = parse(found);
            if (record.isEmpty()) {
                return Uni.createFrom().item(new Opened(null, Refusal.UNKNOWN));
            }
            if (!Hashes.equal(record.get().path("browser").asText(), binding(session, user))) {
                return Uni.createFrom().item(new Opened(null, Refusal.NOT_THIS_BROWSER));
            }
            // records are written once: GETDEL gives what was read, or nothing when another request took it first
            return guard(redis.value(String.class).getdel(key)).map(taken -> taken == null
                    ? new Opened(null, Refusal.UNKNOWN)
                    : new Opened(new Ticketed(record.get().path("user_code").asText(), record.get().path("resource").asText(),
                            record.get().path("reason").asText()), null));
        });
    }

    /** The session and the user, bound together: a hash, so the record names neither. */
    private static String binding(String session, Approval user) {
        return Hashes.sha256Hex("portal-interaction-browser\n" + session + "\n" + user.idp() + "\n" + user.subject());
    }

    static String key(String ticket) {
        return PREFIX + Hashes.sha256Hex(ticket);
    }

    private static Optional<JsonNode> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(value);
            return node != null && node.isObject() && node.path("user_code").isTextual() ? Optional.of(node) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    private <T> Uni<T> guard(Uni<T> operation) {
        return operation.ifNoItem().after(timeout).fail()
                .onFailure().transform(e -> {
                    LOG.warnf("Redis unavailable: %s", e.toString());
                    return new PortalUnavailableException(e);
                });
    }
}
