package dev.tokenservices.token.authority;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.core.authority.AuthorityClient;
import dev.tokenservices.core.authority.AuthorityFailure;
import dev.tokenservices.core.http.EventLoopClients;
import dev.tokenservices.token.support.TestAuthorities;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The outbound call to a scope authority, against real HTTP servers (one pooled connection). */
class AuthorityClientTest {

    private static final Buffer BODY = Buffer.buffer("{\"requested_scopes\":[\"a.read\"]}");
    private static Vertx vertx;
    private static TestAuthorities authorities;
    private static AuthorityClient client;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        authorities = new TestAuthorities();
        client = new AuthorityClient(new EventLoopClients(vertx, new HttpClientOptions().setMaxPoolSize(1)));
    }

    @AfterAll
    static void stop() throws Exception {
        authorities.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void answersWithStatusAndBody() throws Exception {
        AuthorityClient.Reply reply = await(post("/accept"));
        assertEquals(200, reply.status());
        assertEquals("{\"decision\":\"accept\"}", reply.body().toString());
        assertEquals("a.read", authorities.received.get("accept").get(authorities.received.get("accept").size() - 1)
                .path("requested_scopes").get(0).asText());

        AuthorityClient.Reply failed = await(post("/fail"));
        assertEquals(500, failed.status());
    }

    @Test
    void anAbortedCallEndsAtOnceWithItsReasonAndFreesItsConnection() throws Exception {
        int asked = authorities.calls.get("gate").get();
        authorities.gate = new CountDownLatch(1); // the authority holds its answer (for 10 s at most)
        try {
            AuthorityClient.Call held = client.call(AuthorityClient.Target.of(authorities.url() + "/gate"), BODY, 5000, 65536);
            Future<AuthorityClient.Reply> reply = held.send();
            while (authorities.calls.get("gate").get() == asked) {
                Thread.sleep(5);
            }
            held.abort(new AuthorityFailure(AuthorityFailure.TIMEOUT, "no answer within 50 ms"));
            assertEquals(AuthorityFailure.TIMEOUT, failureOf(reply));
            // the pool has one connection: the aborted call's was reset, not left waiting for the held answer
            long start = System.nanoTime();
            assertEquals(200, await(post("/accept")).status());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the next call did not wait for the held answer");
        } finally {
            authorities.gate.countDown();
        }
    }

    @Test
    void aCallAbortedBeforeItIsSentIsNeverSent() {
        int before = authorities.calls.get("reject").get();
        AuthorityClient.Call call = client.call(AuthorityClient.Target.of(authorities.url() + "/reject"), BODY, 5000, 65536);
        call.abort(new AuthorityFailure(AuthorityFailure.TIMEOUT, "no answer within 1 ms"));
        assertEquals(AuthorityFailure.TIMEOUT, failureOf(call.send()));
        assertEquals(before, authorities.calls.get("reject").get());
    }

    @Test
    void closedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        assertEquals(AuthorityFailure.UNREACHABLE,
                failureOf(client.call(AuthorityClient.Target.of("http://127.0.0.1:" + port + "/accept"), BODY, 5000, 65536).send()));
    }

    @Test
    void bodiesOverTheBoundAreRefusedWithOrWithoutContentLength() {
        assertEquals(AuthorityFailure.TOO_LARGE, failureOf(post("/huge")));
        assertEquals(AuthorityFailure.TOO_LARGE, failureOf(post("/huge-chunked")));
    }

    private static Future<AuthorityClient.Reply> post(String path) {
        return client.call(AuthorityClient.Target.of(authorities.url() + path), BODY, 5000, 65536).send();
    }

    private static AuthorityClient.Reply await(Future<AuthorityClient.Reply> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static String failureOf(Future<AuthorityClient.Reply> future) {
        try {
            await(future);
        } catch (ExecutionException e) {
            AuthorityFailure failed = assertInstanceOf(AuthorityFailure.class, e.getCause());
            assertTrue(failed.detail() != null && !failed.detail().isBlank(), "a failure says why");
            return failed.reason();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the call succeeded");
    }
}
