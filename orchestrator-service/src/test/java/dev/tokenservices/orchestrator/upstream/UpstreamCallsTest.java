package dev.tokenservices.orchestrator.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.orchestrator.support.FakeUpstream;
import dev.tokenservices.orchestrator.support.Forms;
import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import dev.tokenservices.shared.registry.IssuerPolicy;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The calls to an upstream IdP as a login makes them: on the event loop of the request, with no
 * worker thread in between, and each way the IdP's token endpoint can fail ending as the callback
 * expects it to ({@link UpstreamException.Kind}).
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class UpstreamCallsTest {

    private static FakeUpstream idp;

    @Inject
    UpstreamLogin upstream;

    @Inject
    Vertx vertx;

    /** How a redemption ended, and on which thread its caller learned of it. */
    record Outcome(Identity identity, Throwable failure, Thread caller, Thread answeredOn, boolean onEventLoop) {
        UpstreamException upstreamFailure() {
            assertNull(identity, "expected a failure");
            return assertInstanceOf(UpstreamException.class, failure);
        }
    }

    @BeforeAll
    static void startIdp() throws Exception {
        idp = new FakeUpstream();
    }

    @AfterAll
    static void stopIdp() {
        idp.close();
    }

    @AfterEach
    void behaveAgain() {
        idp.tokenAnswer = null;
    }

    /** An entry whose calls may take 3 s (a first call on a busy machine loads classes). */
    private static UpstreamIdpEntry entry(FakeUpstream provider, String id) {
        return entry(provider, id, Duration.ofSeconds(3));
    }

    private static UpstreamIdpEntry entry(FakeUpstream provider, String id, Duration timeout) {
        return new UpstreamIdpEntry(id, provider.issuer(), FakeUpstream.CLIENT_ID, FakeUpstream.CLIENT_SECRET, "openid", true,
                IssuerPolicy.exact(provider.issuer()), timeout, UpstreamIdpEntry.ResponseMode.QUERY, null);
    }

    /** Redeems a code as /callback does, from an event loop. */
    private Outcome redeem(UpstreamIdpEntry entry, String code, String verifier, String nonce) throws Exception {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> {
            Thread caller = Thread.currentThread();
            upstream.redeem(entry, code, verifier, nonce).subscribe().with(
                    identity -> done.complete(new Outcome(identity, null, caller, Thread.currentThread(), Context.isOnEventLoopThread())),
                    failure -> done.complete(new Outcome(null, failure, caller, Thread.currentThread(), Context.isOnEventLoopThread())));
        });
        return done.get(10, TimeUnit.SECONDS);
    }

    private Outcome login(FakeUpstream provider, UpstreamIdpEntry entry, String sub) throws Exception {
        String verifier = Logins.verifier();
        String nonce = "n-" + UUID.randomUUID();
        return redeem(entry, provider.code(sub, nonce, Forms.s256(verifier)), verifier, nonce);
    }

    private Outcome answeredWith(int status, String contentType, String body) throws Exception {
        idp.tokenAnswer = new FakeUpstream.TokenAnswer(status, contentType, body, 0);
        return login(idp, entry(idp, "broken-idp"), "u-broken");
    }

    @Test
    void theCodeIsRedeemedOnTheEventLoopOfTheCallbackWithoutAWorkerThread() throws Exception {
        try (FakeUpstream own = new FakeUpstream()) {
            UpstreamIdpEntry entry = entry(own, "loop-idp-" + UUID.randomUUID());
            // the first login discovers the IdP and fetches its keys; the second finds both
            for (String sub : new String[] {"u-first", "u-second"}) {
                Outcome outcome = login(own, entry, sub);
                assertNull(outcome.failure());
                assertEquals(sub, outcome.identity().subject());
                assertSame(outcome.caller(), outcome.answeredOn(), "answered on " + outcome.answeredOn().getName());
                assertTrue(outcome.onEventLoop());
            }
            assertEquals(1, own.jwksFetches.get());
        }
    }

    @Test
    void anIdpThatTakesOnlyClientSecretPostGetsTheSecretInTheBodyAndNoBasicHeader() throws Exception {
        try (FakeUpstream own = new FakeUpstream()) {
            own.secretPostOnly = true; // its token endpoint refuses Basic, and a secret sent both ways
            Outcome outcome = login(own, entry(own, "post-idp-" + UUID.randomUUID()), "u-post");
            assertNull(outcome.failure());
            assertEquals("u-post", outcome.identity().subject());
        }
    }

    @Test
    void aDiscoveredIdpsAuthorizationUrlIsMadeWithoutWaiting() throws Exception {
        UpstreamIdpEntry entry = entry(idp, "broken-idp");
        upstream.authorizationUrl(entry, "st", "n", Logins.verifier(), new UpstreamLogin.Parameters(null, -1, null, null, null, null))
                .await().atMost(Duration.ofSeconds(5));
        AtomicReference<URI> url = new AtomicReference<>();
        upstream.authorizationUrl(entry, "st-2", "n-2", Logins.verifier(), new UpstreamLogin.Parameters(null, -1, null, null, null, null))
                .subscribe().with(url::set);
        // answered during the subscription, on this very thread
        assertNotNull(url.get());
        assertTrue(url.get().toString().startsWith(idp.authorizationEndpoint() + "?"), url.get().toString());
    }

    @Test
    void aTokenEndpointThatFailsIsUnavailable() throws Exception {
        UpstreamException e = answeredWith(502, "text/html", "<html>bad gateway</html>").upstreamFailure();
        assertEquals(UpstreamException.Kind.UNAVAILABLE, e.kind());
        assertEquals("the token endpoint of broken-idp answered 502", e.getMessage());
    }

    @Test
    void aTokenEndpointSlowerThanTheIdpsTimeoutIsUnavailableAtTheTimeout() throws Exception {
        login(idp, entry(idp, "broken-idp"), "u-discovered-first");
        idp.tokenAnswer = new FakeUpstream.TokenAnswer(200, "application/json", "{}", 4_000);
        long started = System.nanoTime();
        Outcome outcome = login(idp, entry(idp, "broken-idp", Duration.ofMillis(500)), "u-slow");
        long millis = (System.nanoTime() - started) / 1_000_000;
        UpstreamException e = outcome.upstreamFailure();
        assertEquals(UpstreamException.Kind.UNAVAILABLE, e.kind());
        assertEquals("the token endpoint of broken-idp is not reachable", e.getMessage());
        assertTrue(millis >= 450 && millis < 2_000, "bounded by the entry's timeout (500 ms), took " + millis);
        assertTrue(outcome.onEventLoop());
    }

    @Test
    void aTokenEndpointThatIsDownIsUnavailable() throws Exception {
        FakeUpstream gone = new FakeUpstream();
        UpstreamIdpEntry entry = entry(gone, "gone-idp-" + UUID.randomUUID());
        assertNull(login(gone, entry, "u-before").failure());
        gone.close();
        UpstreamException e = login(gone, entry, "u-after").upstreamFailure();
        assertEquals(UpstreamException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().endsWith("is not reachable"), e.getMessage());
    }

    @Test
    void anAnswerLargerThanHalfAMegabyteIsNotRead() throws Exception {
        String huge = "{\"access_token\":\"" + "a".repeat(UpstreamHttp.MAX_BODY_BYTES) + "\",\"token_type\":\"Bearer\"}";
        UpstreamException e = answeredWith(200, "application/json", huge).upstreamFailure();
        assertEquals(UpstreamException.Kind.UNAVAILABLE, e.kind());
        assertEquals("the token endpoint of broken-idp is not reachable", e.getMessage());
    }

    @Test
    void anAnswerThatIsNotATokenResponseIsRejected() throws Exception {
        UpstreamException e = answeredWith(200, "text/html", "<html>welcome</html>").upstreamFailure();
        assertEquals(UpstreamException.Kind.REJECTED, e.kind());
        assertEquals("the token response of broken-idp is not valid", e.getMessage());
    }

    @Test
    void aRefusedCodeIsRejectedWithTheIdpsError() throws Exception {
        UpstreamException e = answeredWith(400, "application/json", "{\"error\":\"invalid_grant\"}").upstreamFailure();
        assertEquals(UpstreamException.Kind.REJECTED, e.kind());
        assertEquals("broken-idp refused the code: invalid_grant", e.getMessage());
    }

    @Test
    void anErrorWithoutACodeOrABodyThatIsNoObjectIsRejected() throws Exception {
        UpstreamException e = answeredWith(401, "application/json", "{}").upstreamFailure();
        assertEquals(UpstreamException.Kind.REJECTED, e.kind());
        assertEquals("broken-idp refused the code: HTTP 401", e.getMessage());
        for (String body : List.of("[\"id_token\"]", "\"id_token\"", "", "{\"id_token\":")) {
            e = answeredWith(200, "application/json", body).upstreamFailure();
            assertEquals("the token response of broken-idp is not valid", e.getMessage(), body);
        }
        e = answeredWith(400, "application/json", "{\"error\":\"invalid_grant\\n2026-12-08 INFO forged\"}").upstreamFailure();
        assertEquals("broken-idp refused the code: \"invalid_grant\\n2026-12-08 INFO forged\"", e.getMessage(),
                "an error code from the IdP is quoted before it can reach a log line");
    }

    @Test
    void anIdTokenThatIsNotACompactJwsIsNotSigned() throws Exception {
        for (String idToken : List.of("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "not-a-jwt",
                "eyJhbGciOiJFUzI1NiJ9.e30=.c2ln", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln.")) {
            UpstreamException e = answeredWith(200, "application/json", "{\"id_token\":\"" + idToken + "\"}").upstreamFailure();
            assertEquals(UpstreamException.Kind.REJECTED, e.kind());
            assertEquals("the id_token of broken-idp is not signed", e.getMessage(), idToken);
        }
    }

    @Test
    void aWrongCodeVerifierIsRefusedByTheIdp() throws Exception {
        UpstreamIdpEntry entry = entry(idp, "broken-idp");
        String nonce = "n-" + UUID.randomUUID();
        String code = idp.code("u-pkce", nonce, Forms.s256(Logins.verifier()));
        UpstreamException e = redeem(entry, code, Logins.verifier(), nonce).upstreamFailure();
        assertEquals(UpstreamException.Kind.REJECTED, e.kind());
        assertEquals("broken-idp refused the code: invalid_grant", e.getMessage());
    }

    @Test
    void anAnswerWithoutIdTokenIsRejected() throws Exception {
        UpstreamException e = answeredWith(200, "application/json", "{\"access_token\":\"up-at\",\"token_type\":\"Bearer\"}")
                .upstreamFailure();
        assertEquals(UpstreamException.Kind.REJECTED, e.kind());
        assertTrue(e.getMessage().equals("broken-idp returned no id_token")
                || e.getMessage().equals("the token response of broken-idp is not valid"), e.getMessage());
    }

    @Test
    void anUnsignedIdTokenIsRejected() throws Exception {
        String plain = new PlainJWT(new JWTClaimsSet.Builder().issuer(idp.issuer()).subject("u-plain").audience(FakeUpstream.CLIENT_ID)
                .build()).serialize();
        UpstreamException e = answeredWith(200, "application/json", "{\"access_token\":\"up-at\",\"token_type\":\"Bearer\",\"id_token\":\""
                + plain + "\"}").upstreamFailure();
        assertEquals(UpstreamException.Kind.REJECTED, e.kind());
        assertEquals("the id_token of broken-idp is not signed", e.getMessage());
    }
}
