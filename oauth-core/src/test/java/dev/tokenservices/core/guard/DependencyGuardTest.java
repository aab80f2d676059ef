package dev.tokenservices.core.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DependencyGuardTest {

    private final DependencyGuard guard = new DependencyGuard("Redis", Duration.ofMillis(50), "the store is away; try again");

    @Test
    void callWhenTheDependencyAnswersThenItsAnswer() {
        assertEquals("ok", guard.call(Uni.createFrom().item("ok")).await().atMost(Duration.ofSeconds(5)));
    }

    @Test
    void callWhenTheDependencyDoesNotAnswerInTimeThenTemporarilyUnavailable() {
        OAuthException e = assertThrows(OAuthException.class,
                () -> guard.call(Uni.createFrom().nothing()).await().atMost(Duration.ofSeconds(5)));
        assertEquals("temporarily_unavailable", e.error());
        assertEquals(503, e.status());
        assertEquals("the store is away; try again", e.description());
    }

    @Test
    void callWhenTheDependencyFailsThenTemporarilyUnavailableWithoutItsMessage() {
        OAuthException e = assertThrows(OAuthException.class,
                () -> guard.call(Uni.createFrom().failure(new IllegalStateException("connection refused: 10.0.0.7"))).await().indefinitely());
        assertEquals(503, e.status());
        assertEquals("the store is away; try again", e.description());
    }

    @Test
    void callWhenARefusalIsRaisedOnTheWayThenItPassesUnchanged() {
        OAuthException refusal = OAuthException.invalidGrant("no such code");
        assertSame(refusal, assertThrows(OAuthException.class, () -> guard.call(Uni.createFrom().failure(refusal)).await().indefinitely()));
    }
}
