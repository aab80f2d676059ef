package dev.tokenservices.core.authority;

import dev.tokenservices.core.http.EventLoopClients;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeoutException;

/**
 * One POST to a scope authority, as a {@link Call} that ends with the status and body, or with an
 * {@link AuthorityFailure} naming why. The body is read up to a bound; a larger one ends the call.
 * How long a call may take is not decided here: {@link AuthorityCalls} times it out and then
 * {@link Call#abort aborts} it, which resets its request so that its connection is
 * not reused mid-answer. Plain Vert.x rather than the Mutiny web client: this runs three times per
 * token exchange, and the fewer layers the cheaper.
 */
public class AuthorityClient {

    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence AGENT = HttpHeaders.createOptimized("tokenservices");

    public record Reply(int status, Buffer body) {
    }

    private final EventLoopClients http;

    public AuthorityClient(EventLoopClients http) {
        this.http = http;
    }

    /** The Vert.x instance the calls run on (for their deadlines). */
    public Vertx vertx() {
        return http.vertx();
    }

    /**
     * Where an authority is: its URL parsed once, as Vert.x parses an absolute URI (parsing it at each
     * call was 1.5 % of a token exchange's Java samples).
     */
    public record Target(String host, int port, boolean ssl, String uri) {

        public static Target of(String url) {
            RequestOptions parsed = new RequestOptions().setAbsoluteURI(url);
            return new Target(parsed.getHost(), parsed.getPort(), Boolean.TRUE.equals(parsed.isSsl()), parsed.getURI());
        }
    }

    /**
     * A call, not yet sent.
     *
     * @param connectTimeoutMs how long to wait for a connection (from the pool or a new one)
     */
    public Call call(Target target, Buffer body, long connectTimeoutMs, int maxBodyBytes) {
        return new Call(new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.ssl())
                .setURI(target.uri())
                .setFollowRedirects(false)
                .setConnectTimeout(connectTimeoutMs)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                .putHeader(HttpHeaders.ACCEPT, JSON)
                .putHeader(HttpHeaders.USER_AGENT, AGENT), body, maxBodyBytes);
    }

    private static AuthorityFailure classify(Throwable cause) {
        if (cause instanceof AuthorityFailure failure) {
            return failure;
        }
        String detail = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        // a connect timeout, or Vert.x' own (no connection from the pool in time)
        if (cause instanceof ConnectTimeoutException || cause instanceof TimeoutException) {
            return new AuthorityFailure(AuthorityFailure.TIMEOUT, detail);
        }
        return new AuthorityFailure(AuthorityFailure.UNREACHABLE, detail);
    }

    /**
     * One call. {@link AuthorityCalls} sends and aborts it from one event loop; should the two ever run on
     * different threads, the promise still decides once, and whichever sees the other's write resets the request.
     */
    public final class Call {
        private final Promise<Reply> promise = Promise.promise();
        private final RequestOptions options;
        private final Buffer body;
        private final int maxBodyBytes;
        private volatile HttpClientRequest request;
        private Buffer received;

        private Call(RequestOptions options, Buffer body, int maxBodyBytes) {
            this.options = options;
            this.body = body;
            this.maxBodyBytes = maxBodyBytes;
        }

        /** Sends the request, on the calling thread's event loop; an aborted call is not sent. */
        public Future<Reply> send() {
            if (!promise.future().isComplete()) {
                http.current().request(options).onComplete(created -> {
                    if (created.failed()) {
                        fail(classify(created.cause()));
                    } else {
                        send(created.result());
                    }
                });
            }
            return promise.future();
        }

        /** Ends the call with {@code failure} unless it has ended; an open request is reset. */
        public void abort(AuthorityFailure failure) {
            fail(failure);
        }

        private void send(HttpClientRequest request) {
            this.request = request;
            if (promise.future().isComplete()) { // aborted while waiting for a connection
                request.reset();
                return;
            }
            request.send(body).onComplete(sent -> {
                if (sent.failed()) {
                    fail(classify(sent.cause()));
                    return;
                }
                HttpClientResponse response = sent.result();
                response.exceptionHandler(e -> fail(classify(e)));
                long declared = declaredLength(response);
                if (declared > maxBodyBytes) {
                    fail(new AuthorityFailure(AuthorityFailure.TOO_LARGE, "Content-Length " + declared));
                    return;
                }
                received = Buffer.buffer(declared > 0 ? (int) declared : 256);
                response.handler(chunk -> {
                    if (received.length() + chunk.length() > maxBodyBytes) {
                        fail(new AuthorityFailure(AuthorityFailure.TOO_LARGE, "body over " + maxBodyBytes + " bytes"));
                    } else {
                        received.appendBuffer(chunk);
                    }
                });
                response.endHandler(end -> promise.tryComplete(new Reply(response.statusCode(), received)));
            });
        }

        /** The declared body length, -1 when absent; an unparsable one counts as too long. */
        private static long declaredLength(HttpClientResponse response) {
            String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length == null) {
                return -1;
            }
            try {
                return Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                return Long.MAX_VALUE;
            }
        }

        /** Ends the call with a failure once; an open request is reset so its connection is not reused mid-answer. */
        private void fail(AuthorityFailure failure) {
            if (promise.tryFail(failure)) {
                HttpClientRequest open = request;
                if (open != null) {
                    open.reset();
                }
            }
        }
    }
}
