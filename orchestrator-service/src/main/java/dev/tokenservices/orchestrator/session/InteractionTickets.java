package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.crypto.Hashes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.NewCookie;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tickets of logins waiting while the user is at an API's page ("what comes next": subscribe,
 * accept terms…). A ticket is 256 random bits, handed to that page, which brings it back to
 * {@code /continue}; the login it stands for (which holds the upstream id_token) is kept in Redis
 * under the ticket's SHA-256, sealed as every record ({@link RedisStore}), for
 * {@code orchestrator.interaction-ticket-lifetime} (at most 10 min).
 *
 * <p>Bound to the browser (RFC 9700 §4.7.1, as the login cookie is): the detour sets an HttpOnly
 * cookie {@code orch_interaction_<hash of the ticket>} (SameSite=Lax, for the top-level GET back;
 * Secure behind TLS; sent to {@code /continue} only) holding another random value, whose hash the
 * record keeps. A ticket that comes without that cookie, from another browser, changes nothing: the
 * record is only taken (GETDEL, single use) once the cookie matched. The names differ from the
 * device portal's: browsers share one jar across ports on localhost.
 */
@ApplicationScoped
public class InteractionTickets {

    static final String PREFIX = "orch_interaction_";
    private static final String PATH = "/continue";
    /** A ticket is 43 characters; anything much longer is not one of ours and is not looked up. */
    private static final int MAX_TICKET = 64;

    private final RedisStore store;
    private final Duration lifetime;
    private final boolean secure;
    private final Clock clock;

    public InteractionTickets(RedisStore store, OrchestratorConfig config, Clock clock) {
        this.store = store;
        this.lifetime = config.interactionTicketLifetime();
        this.secure = config.issuer().startsWith("https://");
        this.clock = clock;
    }

    /**
     * A login waiting for the user at an API's page (public for the native image's reflection registration).
     *
     * @param request     the client's validated authorization request
     * @param identity    who logged in (with the upstream id_token, exchanged again on the way back)
     * @param interaction the API's page the browser was sent to
     * @param visited     the resources already asked in this login, this one included: none is asked twice
     * @param binding     the hash of the browser's cookie value
     * @param expiresAt   epoch seconds
     */
    public record Waiting(AuthorizationRequest request, Identity identity, ExchangedTokens.Interaction interaction,
            List<String> visited, String binding, long expiresAt) {
    }

    /** A ticket to hand to the API's page, and the cookie that binds it to this browser. */
    public record Issued(String ticket, NewCookie cookie) {
    }

    /** Why a ticket that came back was refused. */
    public enum Refusal { NOT_THIS_BROWSER, UNKNOWN }

    /** The login ({@code refusal} null), or why the ticket was refused ({@code waiting} null). */
    public record Opened(Waiting waiting, Refusal refusal) {

        static Opened refused(Refusal refusal) {
            return new Opened(null, refusal);
        }
    }

    public Uni<Issued> issue(AuthorizationRequest request, Identity identity, ExchangedTokens.Interaction interaction,
            List<String> visited) {
        String ticket = Secrets.random();
        String browser = Secrets.random();
        Waiting waiting = new Waiting(request, identity, interaction, List.copyOf(visited), Secrets.hash("interaction-browser", browser),
                clock.instant().getEpochSecond() + lifetime.toSeconds());
        return store.put(key(ticket), Json.write(waiting), lifetime)
                .replaceWith(new Issued(ticket, cookie(name(ticket), browser, (int) lifetime.toSeconds())));
    }

    /**
     * The login of a ticket brought back, taken from the store (it opens once): only with this
     * browser's cookie for it, within its lifetime. Refused tickets leave the record as it was.
     */
    public Uni<Opened> take(String ticket, Map<String, Cookie> cookies) {
        if (ticket == null || ticket.isEmpty() || ticket.length() > MAX_TICKET) {
            return Uni.createFrom().item(Opened.refused(Refusal.UNKNOWN));
        }
        Cookie cookie = cookies.get(name(ticket));
        if (cookie == null || cookie.getValue() == null || cookie.getValue().isEmpty()) {
            return Uni.createFrom().item(Opened.refused(Refusal.NOT_THIS_BROWSER));
        }
        String binding = Secrets.hash("interaction-browser", cookie.getValue());
        long now = clock.instant().getEpochSecond();
        return store.get(key(ticket)).chain(found -> {
            Optional<Waiting> waiting = found.map(json -> Json.read(json, Waiting.class)).filter(w -> w.expiresAt() > now);
            if (waiting.isEmpty()) {
                return Uni.createFrom().item(Opened.refused(Refusal.UNKNOWN));
            }
            if (!Hashes.equal(waiting.get().binding(), binding)) {
                return Uni.createFrom().item(Opened.refused(Refusal.NOT_THIS_BROWSER));
            }
            // records are written once: what GETDEL returns is what was read, or nothing when another request took it first
            return store.take(key(ticket)).map(taken -> taken.isPresent()
                    ? new Opened(waiting.get(), null) : Opened.refused(Refusal.UNKNOWN));
        });
    }

    /** Expires the cookie of this ticket (once it came back). */
    public NewCookie cleared(String ticket) {
        return cookie(name(ticket), "", 0);
    }

    /** 64 bits of SHA-256: enough to tell one browser's few tickets apart, and it reveals nothing of the ticket. */
    static String name(String ticket) {
        return PREFIX + HexFormat.of().formatHex(Hashes.sha256("interaction-cookie:" + ticket), 0, 8);
    }

    private static String key(String ticket) {
        return "interaction:" + Secrets.hash("interaction", ticket);
    }

    private NewCookie cookie(String name, String value, int maxAge) {
        return new NewCookie.Builder(name).value(value).path(PATH).httpOnly(true).secure(secure)
                .sameSite(NewCookie.SameSite.LAX).maxAge(maxAge).build();
    }
}
