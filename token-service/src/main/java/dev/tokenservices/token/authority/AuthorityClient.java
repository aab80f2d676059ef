package dev.tokenservices.token.authority;

import dev.tokenservices.token.http.EventLoopClients;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeoutException;

/**
 * One POST to a scope authority, as a Vert.x future that always ends within the authority's timeout:
 * with the status and body, or with a {@link CallFailed} naming why. The body is read up to a bound;
 * a larger one ends the call. Plain Vert.x rather than the Mutiny web client: this runs three times
 * per token exchange, and the fewer layers the cheaper.
 */
@ApplicationScoped
public class AuthorityClient {

    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence AGENT = HttpHeaders.createOptimized("tokenservices");

    /** Why a call failed, as the metrics and audit events name it. */
    public enum Failure {
        /** No answer within the timeout (including the wait for a connection). */
        TIMEOUT("timeout"),
        /** Connection refused or broken. */
        UNREACHABLE("unreachable"),
        /** The body exceeded the bound. */
        TOO_LARGE("too_large"),
        /** This service's own connection queue for the authority is full: the authority was not asked. */
        OVERLOADED("overloaded");

        public final String reason;

        Failure(String reason) {
            this.reason = reason;
        }
    }

    /** The failure of a call; {@code detail} is the underlying error's message (never a token). */
    public static final class CallFailed extends Exception {
        public final Failure failure;

        CallFailed(Failure failure, String detail) {
            super(detail, null, false, false); // an expected outcome: no stack trace
            this.failure = failure;
        }
    }

    public record Reply(int status, Buffer body) {
    }

    private final Vertx vertx;
    private final EventLoopClients http;

    public AuthorityClient(Vertx vertx, EventLoopClients http) {
        this.vertx = vertx;
        this.http = http;
    }

    public Future<Reply> post(String url, Buffer body, long timeoutMs, int maxBodyBytes) {
        Call call = new Call(maxBodyBytes);
        long timer = vertx.setTimer(timeoutMs, id -> call.fail(new CallFailed(Failure.TIMEOUT, "no answer within " + timeoutMs + " ms")));
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(url)
                .setFollowRedirects(false)
                .setConnectTimeout(timeoutMs)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                .putHeader(HttpHeaders.ACCEPT, JSON)
                .putHeader(HttpHeaders.USER_AGENT, AGENT);
        http.current().request(options).onComplete(created -> {
            if (created.failed()) {
                call.fail(classify(created.cause()));
            } else {
                call.send(created.result(), body);
            }
        });
        return call.promise.future().onComplete(done -> vertx.cancelTimer(timer));
    }

    private static CallFailed classify(Throwable cause) {
        if (cause instanceof CallFailed failed) {
            return failed;
        }
        String detail = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        if (cause instanceof ConnectionPoolTooBusyException) {
            return new CallFailed(Failure.OVERLOADED, detail);
        }
        // a connect timeout, or Vert.x' own (no connection from the pool in time)
        if (cause instanceof ConnectTimeoutException || cause instanceof TimeoutException) {
            return new CallFailed(Failure.TIMEOUT, detail);
        }
        return new CallFailed(Failure.UNREACHABLE, detail);
    }

    /** The state of one call; every callback runs on the caller's event loop. */
    private static final class Call {
        final Promise<Reply> promise = Promise.promise();
        final int maxBodyBytes;
        HttpClientRequest request;
        Buffer received;

        Call(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
        }

        void send(HttpClientRequest request, Buffer body) {
            this.request = request;
            if (promise.future().isComplete()) { // timed out while waiting for a connection
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
                    fail(new CallFailed(Failure.TOO_LARGE, "Content-Length " + declared));
                    return;
                }
                received = Buffer.buffer(declared > 0 ? (int) declared : 256);
                response.handler(chunk -> {
                    if (received.length() + chunk.length() > maxBodyBytes) {
                        fail(new CallFailed(Failure.TOO_LARGE, "body over " + maxBodyBytes + " bytes"));
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
        void fail(CallFailed failure) {
            if (promise.tryFail(failure) && request != null) {
                request.reset();
            }
        }
    }
}
