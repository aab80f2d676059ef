package dev.tokenservices.orchestrator.metadata;

import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches a JSON document on a client's behalf (its Client ID Metadata Document, its
 * {@code jwks_uri}): a request a stranger chooses the target of, so every step is bounded
 * (draft-ietf-oauth-client-id-metadata-document §6, "Server-Side Request Forgery"):
 * <ul>
 * <li>https only, with the certificate checked against the URL's host;</li>
 * <li>the host is resolved here, every address it resolves to must be public ({@link PublicAddresses}),
 * and the connection goes to the address that was checked (no second resolution, no DNS rebinding);</li>
 * <li>no redirect is followed, nothing but 200 with a JSON media type is read;</li>
 * <li>at most {@value #MAX_BYTES} bytes are read (a larger document is cut off), and the whole fetch,
 * resolution included, ends after 2 s however slowly the server sends its bytes;</li>
 * <li>at most {@code orchestrator.cimd.max-concurrent-fetches} run at once: past that a fetch is
 * refused at once with 503, so a flood of distinct URLs holds no more than that many connections.</li>
 * </ul>
 */
final class DocumentFetcher {

    static final int MAX_BYTES = 5 * 1024;
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?([0-9]{1,10})");

    /** A document as fetched, with how long its server lets it be kept ({@code Cache-Control}), if it says. */
    record Fetched(String body, Optional<Duration> maxAge) {
    }

    private final Vertx vertx;
    private final HttpClient http;
    private final HostResolver resolver;
    private final boolean allowLoopback;
    private final Semaphore slots;

    DocumentFetcher(Vertx vertx, OrchestratorConfig.MetadataDocuments config) {
        this.vertx = vertx;
        this.allowLoopback = config.allowLoopback();
        if (config.maxConcurrentFetches() < 1) {
            throw new IllegalStateException("orchestrator.cimd.max-concurrent-fetches must be at least 1, is " + config.maxConcurrentFetches());
        }
        this.slots = new Semaphore(config.maxConcurrentFetches());
        HttpClientOptions options = new HttpClientOptions().setSsl(true).setVerifyHost(true).setTrustAll(false)
                .setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(false).setTryUseCompression(false)
                .setMaxPoolSize(config.maxConcurrentFetches()).setMaxHeaderSize(8192).setMaxInitialLineLength(4096)
                .setConnectTimeout((int) TIMEOUT.toMillis());
        config.trustStore().ifPresent(path -> options.setTrustOptions(new PfxOptions().setPath(path.toString())
                .setPassword(config.trustStorePassword().orElse(""))));
        this.http = vertx.createHttpClient(options);
        this.resolver = new HostResolver(vertx, config.dnsServer(), TIMEOUT);
    }

    /**
     * @param url an https URL already checked by {@link ClientMetadata#checkHttpsUrl}
     * @return the document; fails with {@link ClientMetadataException} saying why it could not be
     *         fetched, or with 503 {@code temporarily_unavailable} when too many fetches are running
     */
    Uni<Fetched> fetch(URI url) {
        return Uni.createFrom().deferred(() -> {
            if (!slots.tryAcquire()) {
                return Uni.createFrom().failure(OAuthException.temporarilyUnavailable(
                        "too many client metadata documents are being fetched right now; try again shortly"));
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            return resolver.resolve(url.getHost())
                    .ifNoItem().after(TIMEOUT).failWith(() -> ClientMetadata.invalid("the host " + url.getHost() + " did not resolve within 2 s"))
                    .map(addresses -> checked(url.getHost(), addresses))
                    .chain(address -> Uni.createFrom().<Fetched>emitter(emitter -> get(url, address, deadline, emitter)))
                    .onTermination().invoke(slots::release);
        });
    }

    private InetAddress checked(String host, List<InetAddress> addresses) {
        for (InetAddress address : addresses) {
            Optional<String> refusal = PublicAddresses.refusal(address, allowLoopback);
            if (refusal.isPresent()) {
                throw ClientMetadata.invalid("the host " + host + " is not a public address: " + refusal.get());
            }
        }
        return addresses.get(0);
    }

    private void get(URI url, InetAddress address, long deadline, UniEmitter<? super Fetched> emitter) {
        long remaining = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        int port = url.getPort() < 0 ? 443 : url.getPort();
        String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setSsl(true).setFollowRedirects(false)
                // connect to the address checked above; host and port name the site (Host, SNI, certificate)
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress())).setHost(url.getHost()).setPort(port)
                .setURI(target).setConnectTimeout(remaining).putHeader("Accept", "application/json")
                .putHeader("User-Agent", "TokenServices-orchestrator (client metadata)");
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        long timer = vertx.setTimer(remaining, id -> fail(done, sent, emitter, ClientMetadata.invalid(
                "the document at " + url + " was not received within 2 s")));
        emitter.onTermination(() -> {
            vertx.cancelTimer(timer);
            if (done.compareAndSet(false, true) && sent.get() != null) {
                sent.get().reset();
            }
        });
        http.request(options).onSuccess(request -> {
            sent.set(request);
            if (done.get()) {
                request.reset();
                return;
            }
            request.send().onSuccess(response -> read(url, response, done, sent, emitter))
                    .onFailure(e -> fail(done, sent, emitter, unreachable(url, e)));
        }).onFailure(e -> fail(done, sent, emitter, unreachable(url, e)));
    }

    private void read(URI url, HttpClientResponse response, AtomicBoolean done, AtomicReference<HttpClientRequest> sent,
            UniEmitter<? super Fetched> emitter) {
        response.exceptionHandler(e -> fail(done, sent, emitter, unreachable(url, e)));
        int status = response.statusCode();
        if (status >= 300 && status < 400) {
            fail(done, sent, emitter, ClientMetadata.invalid("the document at " + url + " answered with a redirect (HTTP " + status
                    + "), which is not followed"));
            return;
        }
        if (status != 200) {
            fail(done, sent, emitter, ClientMetadata.invalid("the document at " + url + " answered HTTP " + status));
            return;
        }
        String type = response.getHeader("Content-Type");
        String mediaType = type == null ? "" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json") && !(mediaType.startsWith("application/") && mediaType.endsWith("+json"))) {
            fail(done, sent, emitter, ClientMetadata.invalid("the document at " + url + " is not application/json"));
            return;
        }
        String length = response.getHeader("Content-Length");
        if (length != null && (length.length() > 9 || !length.chars().allMatch(Character::isDigit) || Long.parseLong(length) > MAX_BYTES)) {
            fail(done, sent, emitter, tooLarge(url));
            return;
        }
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_BYTES) {
                fail(done, sent, emitter, tooLarge(url));
                return;
            }
            body.appendBuffer(chunk);
        });
        response.endHandler(v -> {
            if (done.compareAndSet(false, true)) {
                emitter.complete(new Fetched(new String(body.getBytes(), StandardCharsets.UTF_8), maxAge(response.getHeader("Cache-Control"))));
            }
        });
    }

    /** The first failure ends the fetch; the connection is dropped, so a server still sending is cut off. */
    private static void fail(AtomicBoolean done, AtomicReference<HttpClientRequest> sent, UniEmitter<?> emitter, RuntimeException failure) {
        if (done.compareAndSet(false, true)) {
            HttpClientRequest request = sent.get();
            if (request != null) {
                request.reset();
            }
            emitter.fail(failure);
        }
    }

    private static ClientMetadataException tooLarge(URI url) {
        return ClientMetadata.invalid("the document at " + url + " is larger than " + MAX_BYTES + " bytes");
    }

    private static ClientMetadataException unreachable(URI url, Throwable e) {
        String why = e instanceof javax.net.ssl.SSLException || e.getCause() instanceof javax.net.ssl.SSLException
                ? "the TLS handshake failed (is its certificate valid for " + url.getHost() + "?)" : "it could not be reached";
        return ClientMetadata.invalid("the document at " + url + " could not be fetched: " + why);
    }

    /** {@code Cache-Control: max-age} (RFC 9111 §5.2.2.1); {@code no-store} and {@code no-cache} read as 0. */
    static Optional<Duration> maxAge(String cacheControl) {
        if (cacheControl == null) {
            return Optional.empty();
        }
        String value = cacheControl.toLowerCase(Locale.ROOT);
        if (value.contains("no-store") || value.contains("no-cache")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = MAX_AGE.matcher(value);
        return m.find() ? Optional.of(Duration.ofSeconds(Long.parseLong(m.group(1)))) : Optional.empty();
    }

    void close() {
        http.close();
    }
}
