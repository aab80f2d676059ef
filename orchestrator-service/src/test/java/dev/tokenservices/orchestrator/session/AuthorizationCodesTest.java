package dev.tokenservices.orchestrator.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The one-time code's "used" marker, step by step against Redis, in the two orders a replay can
 * take relative to the first redemption: after the redemption has recorded what it issued (the
 * replay gets that, to revoke), and between the code's taking and that record (the record fails,
 * so the redemption revokes what it issued itself). The record is one compare-and-set against the
 * marker as the redemption wrote it: a marker a replay changed, or one gone, must make it fail.
 */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class AuthorizationCodesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    AuthorizationCodes codes;

    @Inject
    RedisStore store;

    private static AuthorizationCodes.Issued issued(String marker) {
        return new AuthorizationCodes.Issued(Logins.APP, null, List.of("rt-" + marker), "at-" + marker, List.of("api-" + marker));
    }

    @Test
    void aReplayAfterTheRecordGetsWhatTheRedemptionIssued() {
        String code = Logins.login("codes-after").code();
        AuthorizationCodes.Redeemed redeemed = codes.redeem(code).await().atMost(WAIT).orElseThrow();
        assertTrue(codes.recordIssued(redeemed, code, issued("after")).await().atMost(WAIT));
        AuthorizationCodes.Replay replay = codes.replayed(code).await().atMost(WAIT);
        assertEquals(new AuthorizationCodes.Replayed(Optional.of(issued("after"))), replay);
        // the record is taken over once: a second replay has nothing left to revoke
        assertEquals(new AuthorizationCodes.Replayed(Optional.empty()), codes.replayed(code).await().atMost(WAIT));
    }

    @Test
    void aReplayBetweenTheTakingAndTheRecordMakesTheRecordFail() {
        String code = Logins.login("codes-between").code();
        AuthorizationCodes.Redeemed redeemed = codes.redeem(code).await().atMost(WAIT).orElseThrow();
        // the replay flags the marker in flight; it has nothing to revoke yet
        assertEquals(new AuthorizationCodes.Replayed(Optional.empty()), codes.replayed(code).await().atMost(WAIT));
        // the redemption's record finds the marker changed: it must revoke what it issued itself
        assertFalse(codes.recordIssued(redeemed, code, issued("between")).await().atMost(WAIT));
        // and nothing it issued was recorded for a later replay either
        assertEquals(new AuthorizationCodes.Replayed(Optional.empty()), codes.replayed(code).await().atMost(WAIT));
    }

    @Test
    void aMarkerGoneBeforeTheRecordMakesTheRecordFail() {
        String code = Logins.login("codes-gone").code();
        AuthorizationCodes.Redeemed redeemed = codes.redeem(code).await().atMost(WAIT).orElseThrow();
        // the marker expired (or was evicted) while the redemption was issuing
        store.delete(AuthorizationCodes.usedKey(code)).await().atMost(WAIT);
        // nothing to compare against: the redemption must revoke what it issued, and nothing is recorded
        assertFalse(codes.recordIssued(redeemed, code, issued("gone")).await().atMost(WAIT));
        assertInstanceOf(AuthorizationCodes.Unknown.class, codes.replayed(code).await().atMost(WAIT));
    }

    @Test
    void aCodeIsTakenOnce() {
        String code = Logins.login("codes-once").code();
        assertTrue(codes.redeem(code).await().atMost(WAIT).isPresent());
        assertTrue(codes.redeem(code).await().atMost(WAIT).isEmpty());
        assertInstanceOf(AuthorizationCodes.Replayed.class, codes.replayed(code).await().atMost(WAIT));
        assertInstanceOf(AuthorizationCodes.Unknown.class, codes.replayed("no-such-code").await().atMost(WAIT));
    }
}
