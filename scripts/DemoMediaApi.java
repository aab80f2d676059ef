// The demo media API's scope authority and its one-click "subscription" page, for ./run.sh.
//
//   DEMO_MEDIA_API_PORT=8190 ORCHESTRATOR_ISSUER=http://localhost:8082 \
//   DEVICE_PORTAL_URL=http://localhost:8083 java scripts/DemoMediaApi.java
//
// POST /scope-decision  the scope-authority webhook (README "Adding an API"): a user who has not
//                       subscribed and asks for media.play gets
//                       {"decision":"interaction_required","scopes":[the rest],"interaction":{"url":…}}
//                       where url is this server's /subscribe page with an unguessable offer id that
//                       stands for the user's (issuer, subject); a subscribed user gets accept.
// GET  /subscribe       ?offer&ticket&return_to: the page, one button ("Subscribe for free") and a
//                       "No thanks" link back to return_to?ticket=…&declined=true
// POST /subscribe       records the subscription (in memory: a restart forgets it), then 303 to
//                       return_to?ticket=…
// return_to must be the orchestrator's <ORCHESTRATOR_ISSUER>/continue or a page of the portal
// (<DEVICE_PORTAL_URL>/…): anything else is refused, so this page is never an open redirect.
// Only the JDK: no build, no dependency.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

public class DemoMediaApi {

    static final String PAID_SCOPE = "media.play";
    static final Pattern TICKET = Pattern.compile("^[A-Za-z0-9._~-]{1,512}$");
    static final Pattern OFFER = Pattern.compile("^[A-Za-z0-9_-]{43}$");
    static final int MAX_BODY = 16 * 1024;
    static final SecureRandom RANDOM = new SecureRandom();

    /** offer id → "issuer \n subject"; one offer per user while they have not subscribed. */
    static final Map<String, String> offers = new ConcurrentHashMap<>();
    static final Map<String, String> offerOfUser = new ConcurrentHashMap<>();
    static final Set<String> subscribed = ConcurrentHashMap.newKeySet();

    static String base;
    static URI orchestrator;
    static URI portal;

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(env("DEMO_MEDIA_API_PORT", "8190"));
        base = env("DEMO_MEDIA_API_URL", "http://localhost:" + port);
        orchestrator = URI.create(env("ORCHESTRATOR_ISSUER", "http://localhost:8082").replaceAll("/+$", "") + "/continue");
        portal = URI.create(env("DEVICE_PORTAL_URL", "http://localhost:8083").replaceAll("/+$", "") + "/");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/scope-decision", DemoMediaApi::decide);
        server.createContext("/subscribe", DemoMediaApi::subscribe);
        server.createContext("/", exchange -> text(exchange, exchange.getRequestURI().getPath().equals("/") ? 200 : 404,
                exchange.getRequestURI().getPath().equals("/") ? "demo media API" : "not found"));
        server.start();
        System.out.println("demo media API ready: " + base + " (scope authority " + base + "/scope-decision)");
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    // ---- the scope authority ---------------------------------------------------------------

    static void decide(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            text(exchange, 405, "POST a scope-decision request");
            return;
        }
        Map<String, Object> body;
        try {
            body = Json.object(read(exchange));
        } catch (RuntimeException e) { // not JSON, or cut short
            text(exchange, 400, "expected the scope-decision JSON");
            return;
        }
        if (!(body.get("subject") instanceof String subject) || !(body.get("issuer") instanceof String issuer)
                || !(body.get("requested_scopes") instanceof List<?> requested)) {
            text(exchange, 400, "expected subject, issuer and requested_scopes");
            return;
        }
        String user = issuer + "\n" + subject;
        if (!requested.contains(PAID_SCOPE) || subscribed.contains(user)) {
            json(exchange, 200, "{\"decision\":\"accept\"}");
            return;
        }
        String offer = offerOfUser.computeIfAbsent(user, u -> {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            offers.put(id, u);
            return id;
        });
        List<String> rest = new ArrayList<>();
        for (Object scope : requested) {
            if (scope instanceof String s && !s.equals(PAID_SCOPE)) {
                rest.add(Json.string(s));
            }
        }
        json(exchange, 200, "{\"decision\":\"interaction_required\",\"scopes\":[" + String.join(",", rest) + "],"
                + "\"interaction\":{\"url\":" + Json.string(base + "/subscribe?offer=" + offer) + ","
                + "\"reason\":\"subscription_required\","
                + "\"message\":\"Media Plus (free in this demo) is needed to play videos.\"}}");
    }

    // ---- the subscription page -------------------------------------------------------------

    static void subscribe(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        Map<String, String> params;
        if (method.equals("GET")) {
            params = form(exchange.getRequestURI().getRawQuery());
        } else if (method.equals("POST")) {
            params = form(read(exchange));
        } else {
            text(exchange, 405, "GET or POST");
            return;
        }
        String offer = params.getOrDefault("offer", "");
        String ticket = params.getOrDefault("ticket", "");
        String returnTo = params.getOrDefault("return_to", "");
        String user = OFFER.matcher(offer).matches() ? offers.get(offer) : null;
        if (user == null || !TICKET.matcher(ticket).matches() || !allowed(returnTo)) {
            page(exchange, 400, "This link does not work", "<p>This subscription link is not valid. Go back to the app and"
                    + " sign in again.</p>");
            return;
        }
        String back = returnTo + (returnTo.contains("?") ? "&" : "?") + "ticket=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8);
        if (method.equals("POST")) {
            subscribed.add(user);
            offerOfUser.remove(user);
            offers.remove(offer);
            exchange.getResponseHeaders().set("Location", back);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(303, -1);
            exchange.close();
            return;
        }
        page(exchange, 200, "Subscribe to Media Plus", "<p>Media Plus lets you play videos. In this demo it is free:"
                + " one click and you are back where you were.</p>"
                + "<form method=\"post\" action=\"/subscribe\">"
                + hidden("offer", offer) + hidden("ticket", ticket) + hidden("return_to", returnTo)
                + "<button type=\"submit\">Subscribe for free</button></form>"
                + "<p><a href=\"" + html(back + "&declined=true") + "\">No thanks</a></p>");
    }

    /** The orchestrator's /continue exactly, or a page of the portal: same scheme, host and port, path under it. */
    static boolean allowed(String returnTo) {
        if (returnTo.isEmpty() || returnTo.length() > 2048 || returnTo.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            return false;
        }
        URI uri;
        try {
            uri = new URI(returnTo);
        } catch (URISyntaxException e) {
            return false;
        }
        if (uri.getRawUserInfo() != null || uri.getRawFragment() != null || uri.getRawPath() == null) {
            return false;
        }
        if (sameOrigin(uri, orchestrator)) {
            return uri.getRawPath().equals(orchestrator.getRawPath()) && uri.getRawQuery() == null;
        }
        return sameOrigin(uri, portal) && uri.getRawPath().startsWith(portal.getRawPath()) && !uri.getRawPath().contains("/..");
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    // ---- HTTP helpers ----------------------------------------------------------------------

    static String read(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw new IOException("body too large");
            }
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static Map<String, String> form(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw == null) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                try {
                    params.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // a malformed escape: the parameter is ignored, and a missing one refuses the request
                }
            }
        }
        return params;
    }

    static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + html(value) + "\">";
    }

    static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    static void page(HttpExchange exchange, int status, String title, String content) throws IOException {
        send(exchange, status, "text/html; charset=utf-8", "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + html(title)
                + " · Demo media</title></head><body><main><h1>" + html(title) + "</h1>" + content + "</main></body></html>");
    }

    static void json(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, "application/json", body);
    }

    static void text(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, "text/plain; charset=utf-8", body);
    }

    static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
        exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; form-action 'self' "
                + origin(orchestrator) + " " + origin(portal) + "; frame-ancestors 'none'");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }

    /** Just enough JSON for the webhook's request: objects, arrays, strings, numbers, booleans, null. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> object(String text) {
            Json json = new Json(text);
            Object value = json.value();
            json.space();
            if (!(value instanceof Map) || json.i != text.length()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return (Map<String, Object>) value;
        }

        static String string(String value) {
            StringBuilder sb = new StringBuilder("\"");
            for (char c : value.toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        }

        private Object value() {
            space();
            if (i >= s.length()) {
                throw new IllegalArgumentException("end of input");
            }
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> map = new HashMap<>();
                i++;
                space();
                if (peek('}')) {
                    return map;
                }
                do {
                    space();
                    if (!(value() instanceof String key)) {
                        throw new IllegalArgumentException("key");
                    }
                    space();
                    expect(':');
                    map.put(key, value());
                    space();
                } while (peek(','));
                expect('}');
                return map;
            }
            if (c == '[') {
                List<Object> list = new ArrayList<>();
                i++;
                space();
                if (peek(']')) {
                    return list;
                }
                do {
                    list.add(value());
                    space();
                } while (peek(','));
                expect(']');
                return list;
            }
            if (c == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (i < s.length() && s.charAt(i) != '"') {
                    char ch = s.charAt(i++);
                    if (ch == '\\') {
                        char e = s.charAt(i++);
                        switch (e) {
                            case 'n' -> sb.append('\n');
                            case 't' -> sb.append('\t');
                            case 'r' -> sb.append('\r');
                            case 'b' -> sb.append('\b');
                            case 'f' -> sb.append('\f');
                            case 'u' -> {
                                sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                                i += 4;
                            }
                            default -> sb.append(e);
                        }
                    } else {
                        sb.append(ch);
                    }
                }
                expect('"');
                return sb.toString();
            }
            int start = i;
            while (i < s.length() && "{}[],: \t\r\n\"".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String word = s.substring(start, i);
            return switch (word) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                case "null" -> null;
                default -> {
                    try {
                        yield Double.parseDouble(word);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("bad literal");
                    }
                }
            };
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw new IllegalArgumentException("expected " + c);
            }
        }
    }
}
