package dev.tokenservices.token.authority;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.token.http.EventLoopClients;
import dev.tokenservices.token.support.TestAuthorities;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The outbound call to a scope authority, against real HTTP servers. */
class AuthorityClientTest {

    private static final Buffer BODY = Buffer.buffer("{\"requested_scopes\":[\"a.read\"]}");
    private static Vertx vertx;
    private static TestAuthorities authorities;
    private static AuthorityClient client;
    /** One connection, no queue. */
    private static AuthorityClient tiny;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        authorities = new TestAuthorities();
        client = new AuthorityClient(vertx, new EventLoopClients(vertx, new HttpClientOptions().setMaxPoolSize(8)));
        tiny = new AuthorityClient(vertx, new EventLoopClients(vertx, new HttpClientOptions().setMaxPoolSize(1).setMaxWaitQueueSize(0)));
    }

    @AfterAll
    static void stop() throws Exception {
        authorities.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void answersWithStatusAndBody() throws Exception {
        AuthorityClient.Reply reply = await(client.post(authorities.url() + "/accept", BODY, 5000, 65536));
        assertEquals(200, reply.status());
        assertEquals("{\"decision\":\"accept\"}", reply.body().toString());
        assertEquals("a.read", authorities.received.get("accept").get(authorities.received.get("accept").size() - 1)
                .path("requested_scopes").get(0).asText());

        AuthorityClient.Reply failed = await(client.post(authorities.url() + "/fail", BODY, 5000, 65536));
        assertEquals(500, failed.status());
    }

    @Test
    void slowAnswerIsATimeout() {
        assertEquals(AuthorityClient.Failure.TIMEOUT, failureOf(client.post(authorities.url() + "/slow", BODY, 50, 65536)));
    }

    @Test
    void closedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        assertEquals(AuthorityClient.Failure.UNREACHABLE,
                failureOf(client.post("http://127.0.0.1:" + port + "/accept", BODY, 5000, 65536)));
    }

    @Test
    void bodiesOverTheBoundAreRefusedWithOrWithoutContentLength() {
        assertEquals(AuthorityClient.Failure.TOO_LARGE, failureOf(client.post(authorities.url() + "/huge", BODY, 5000, 65536)));
        assertEquals(AuthorityClient.Failure.TOO_LARGE,
                failureOf(client.post(authorities.url() + "/huge-chunked", BODY, 5000, 65536)));
    }

    @Test
    void aFullConnectionQueueIsOverloadNotTheAuthoritysFault() throws Exception {
        Future<AuthorityClient.Reply> first = tiny.post(authorities.url() + "/slow", BODY, 5000, 65536);
        Future<AuthorityClient.Reply> second = tiny.post(authorities.url() + "/accept", BODY, 5000, 65536);
        assertEquals(AuthorityClient.Failure.OVERLOADED, failureOf(second));
        assertEquals(200, await(first).status(), "the call holding the connection is not disturbed");
    }

    private static AuthorityClient.Reply await(Future<AuthorityClient.Reply> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static AuthorityClient.Failure failureOf(Future<AuthorityClient.Reply> future) {
        try {
            await(future);
        } catch (ExecutionException e) {
            AuthorityClient.CallFailed failed = assertInstanceOf(AuthorityClient.CallFailed.class, e.getCause());
            assertTrue(failed.getMessage() != null && !failed.getMessage().isBlank(), "a failure says why");
            return failed.failure;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the call succeeded");
    }
}
