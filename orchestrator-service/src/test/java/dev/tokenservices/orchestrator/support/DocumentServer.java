package dev.tokenservices.orchestrator.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A real https server on the loopback interface that serves client metadata documents (and key sets)
 * the way a test wants them: well-formed, redirecting, oversized, dripping slowly. Its certificate is
 * self-signed, made with the JDK's keytool when the server starts (SAN localhost, 127.0.0.1, ::1);
 * {@link #trustStore()} holds just that certificate, for {@code orchestrator.cimd.trust-store}.
 */
public final class DocumentServer implements AutoCloseable {

    public static final String PASSWORD = "document-server-test-password";

    private final HttpsServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, HttpHandler> routes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final Path trustStore;

    /** @param address where to listen, e.g. 127.0.0.1 or ::1 */
    public DocumentServer(String address) throws Exception {
        Path dir = Files.createTempDirectory("document-server");
        dir.toFile().deleteOnExit();
        Path keyStore = dir.resolve("server.p12");
        trustStore = dir.resolve("trust.p12");
        Path cert = dir.resolve("server.pem");
        keytool("-genkeypair", "-alias", "documents", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "documents", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "documents", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", PASSWORD);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keyStore.toFile())) {
            keys.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 100);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            HttpHandler handler = routes.get(path);
            if (handler == null) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            handler.handle(exchange);
        });
        server.start();
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
    }

    public Path trustStore() {
        return trustStore;
    }

    /** {@code https://<host>:<port><path>}, host as given (127.0.0.1, localhost, [::1]). */
    public String url(String host, String path) {
        return "https://" + host + ":" + server.getAddress().getPort() + path;
    }

    public String url(String path) {
        return url("127.0.0.1", path);
    }

    public int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    public void route(String path, HttpHandler handler) {
        routes.put(path, handler);
    }

    /** Serves {@code json} at {@code path} as application/json with {@code Cache-Control}. */
    public void json(String path, String json, String cacheControl) {
        route(path, exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (cacheControl != null) {
                exchange.getResponseHeaders().set("Cache-Control", cacheControl);
            }
            send(exchange, 200, json.getBytes(StandardCharsets.UTF_8));
        });
    }

    public static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Headers at once, then one byte every {@code everyMs} for {@code seconds}: a server that drips. */
    public void drip(String path, int everyMs, int seconds) {
        route(path, exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write('{');
                out.flush();
                while (System.nanoTime() < end) {
                    Thread.sleep(everyMs);
                    out.write(' ');
                    out.flush();
                }
                out.write('}');
            } catch (IOException e) {
                // the orchestrator hung up: what the test expects
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
