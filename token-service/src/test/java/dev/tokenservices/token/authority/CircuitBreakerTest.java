package dev.tokenservices.token.authority;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void opensAfterTheThresholdThenLetsOneTrialThrough() {
        CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(10), clock);
        for (int i = 0; i < 3; i++) {
            assertTrue(breaker.tryAcquire());
            breaker.onFailure();
        }
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertFalse(breaker.tryAcquire());
        now = now.plusSeconds(10);
        assertTrue(breaker.tryAcquire(), "one trial after the open period");
        assertFalse(breaker.tryAcquire(), "only one trial at a time");
        breaker.onFailure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(), "a failed trial re-opens");
        now = now.plusSeconds(10);
        assertTrue(breaker.tryAcquire());
        breaker.onSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    }

    @Test
    void aSuccessResetsTheCount() {
        CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(10), clock);
        breaker.onFailure();
        breaker.onFailure();
        breaker.onSuccess();
        breaker.onFailure();
        breaker.onFailure();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    }

    @Test
    void aTrialThatNeverWentOutFreesTheTrialWithoutClosingOrReopening() {
        CircuitBreaker breaker = new CircuitBreaker(1, Duration.ofSeconds(10), clock);
        assertTrue(breaker.tryAcquire());
        breaker.onFailure();
        now = now.plusSeconds(10);
        assertTrue(breaker.tryAcquire());
        breaker.release();
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state(), "neither closed nor re-opened");
        assertTrue(breaker.tryAcquire(), "the next call may be the trial");
        breaker.onSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    }

    @Test
    void answersAreReducedToWhatWasRequested() {
        List<String> requested = List.of("a.read", "a.write");
        assertEquals(List.of("a.read", "a.write"), List.copyOf(AuthorityAnswer.parse("{\"decision\":\"accept\"}", requested).orElseThrow().granted()));
        assertEquals(List.of("a.read"), List.copyOf(AuthorityAnswer.parse(
                "{\"decision\":\"modify\",\"scopes\":[\"a.read\",\"admin\"]}", requested).orElseThrow().granted()));
        assertTrue(AuthorityAnswer.parse("{\"decision\":\"reject\",\"scopes\":[\"a.read\"]}", requested).orElseThrow().granted().isEmpty());
        assertEquals(Optional.empty(), AuthorityAnswer.parse("{\"decision\":\"maybe\"}", requested));
        assertEquals(Optional.empty(), AuthorityAnswer.parse("{\"decision\":\"modify\"}", requested));
        assertEquals(Optional.empty(), AuthorityAnswer.parse("{\"decision\":\"accept\",\"claims\":[1]}", requested));
        assertEquals(Optional.empty(), AuthorityAnswer.parse("not json", requested));
        assertEquals(Optional.empty(), AuthorityAnswer.parse("[]", requested));
    }
}
