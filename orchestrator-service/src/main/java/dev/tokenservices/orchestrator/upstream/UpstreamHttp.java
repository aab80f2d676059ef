package dev.tokenservices.orchestrator.upstream;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.tokenservices.core.http.EventLoopClients;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends the requests the Nimbus SDK builds for an upstream IdP (discovery, JWKS, the token request)
 * through a Vert.x client of the calling event loop ({@link EventLoopClients}), and hands the answer
 * back as the SDK's {@link HTTPResponse}, so that its parsers read it as if the SDK had sent it. A
 * login's calls never leave the thread of its request and hold no worker thread while the IdP thinks.
 * <ul>
 * <li>Connections are kept alive and pooled per event loop and host.</li>
 * <li>The IdP's {@code timeout_ms} bounds the connection and the whole exchange: however slowly an
 * IdP sends its bytes, the call ends then, and its connection is dropped, never reused mid-answer.</li>
 * <li>At most {@value #MAX_BODY_BYTES} bytes of an answer are read; a larger one ends the call.</li>
 * <li>No redirect is followed.</li>
 * <li>https is checked as the JDK checks it: its default trust store (the {@code javax.net.ssl.trustStore}
 * settings, else the JDK's roots) and the host name.</li>
 * </ul>
 */
@ApplicationScoped
public class UpstreamHttp {

    static final int MAX_BODY_BYTES = 512 * 1024;
    private static final CharSequence AGENT = HttpHeaders.createOptimized("TokenServices-orchestrator");

    private final Vertx vertx;
    private final EventLoopClients clients;

    public UpstreamHttp(Vertx vertx) {
        this.vertx = vertx;
        this.clients = new EventLoopClients(vertx, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true).setKeepAliveTimeout(30).setMaxPoolSize(16).setVerifyHost(true).setTrustAll(false)
                .setTryUseCompression(false));
    }

    @PreDestroy
    void close() {
        clients.close();
    }

    /**
     * The exchange, sent when subscribed to.
     *
     * @return the IdP's answer, whatever its status; fails with an {@link IOException} saying why
     *         there is none (not reachable, TLS, timed out, too large)
     */
    public Uni<HTTPResponse> send(HTTPRequest request, int timeoutMillis) {
        return Uni.createFrom().emitter(emitter -> new Exchange(emitter).start(request, timeoutMillis));
    }

    /** One exchange: the first of answer, failure or timeout ends it. */
    private final class Exchange {
        private final UniEmitter<? super HTTPResponse> emitter;
        private final AtomicBoolean done = new AtomicBoolean();
        private final AtomicReference<HttpClientRequest> sent = new AtomicReference<>();

        Exchange(UniEmitter<? super HTTPResponse> emitter) {
            this.emitter = emitter;
        }

        void start(HTTPRequest request, int timeoutMillis) {
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(request.getMethod().name()))
                    .setAbsoluteURI(request.getURL()).setFollowRedirects(false).setConnectTimeout(timeoutMillis)
                    .putHeader(HttpHeaders.USER_AGENT, AGENT);
            for (Map.Entry<String, List<String>> header : request.getHeaderMap().entrySet()) {
                options.putHeader(header.getKey(), List.<CharSequence>copyOf(header.getValue()));
            }
            String body = request.getBody();
            long timer = vertx.setTimer(timeoutMillis, id -> fail(new IOException("no answer within " + timeoutMillis + " ms")));
            emitter.onTermination(() -> {
                vertx.cancelTimer(timer);
                // cancelled by the caller: drop the connection rather than leave it to a half-read answer
                if (done.compareAndSet(false, true) && sent.get() != null) {
                    sent.get().reset();
                }
            });
            clients.current().request(options).onSuccess(created -> {
                sent.set(created);
                if (done.get()) {
                    created.reset();
                    return;
                }
                (body == null ? created.send() : created.send(Buffer.buffer(body, StandardCharsets.UTF_8.name())))
                        .onSuccess(this::read).onFailure(this::fail);
            }).onFailure(this::fail);
        }

        private void read(HttpClientResponse response) {
            response.exceptionHandler(this::fail);
            String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && (length.length() > 9 || !length.chars().allMatch(Character::isDigit)
                    || Long.parseLong(length) > MAX_BODY_BYTES)) {
                fail(new IOException("the answer is larger than " + MAX_BODY_BYTES + " bytes"));
                return;
            }
            Buffer body = Buffer.buffer();
            response.handler(chunk -> {
                if (body.length() + chunk.length() > MAX_BODY_BYTES) {
                    fail(new IOException("the answer is larger than " + MAX_BODY_BYTES + " bytes"));
                } else {
                    body.appendBuffer(chunk);
                }
            });
            response.endHandler(end -> {
                if (done.compareAndSet(false, true)) {
                    emitter.complete(answer(response, body));
                }
            });
        }

        /** The first failure ends the exchange; its connection is dropped. */
        private void fail(Throwable cause) {
            if (done.compareAndSet(false, true)) {
                HttpClientRequest request = sent.get();
                if (request != null) {
                    request.reset();
                }
                emitter.fail(cause instanceof IOException io ? io
                        : new IOException(cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause));
            }
        }
    }

    /** The answer as the SDK's own client would have read it: status, headers, body (none when empty). */
    private static HTTPResponse answer(HttpClientResponse response, Buffer body) {
        HTTPResponse answer = new HTTPResponse(response.statusCode());
        answer.setStatusMessage(response.statusMessage());
        for (String name : response.headers().names()) {
            answer.setHeader(name, response.headers().getAll(name).toArray(String[]::new));
        }
        if (body.length() > 0) {
            answer.setBody(body.toString(StandardCharsets.UTF_8));
        }
        return answer;
    }
}
