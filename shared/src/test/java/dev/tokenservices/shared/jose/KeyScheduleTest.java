package dev.tokenservices.shared.jose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyScheduleTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration PERIOD = Duration.ofDays(30);
    private static final Duration AHEAD = Duration.ofHours(1);
    private static final Duration RETENTION = Duration.ofMinutes(10);
    private final KeySchedule schedule = new KeySchedule(KeyAlgorithm.ES256, PERIOD, AHEAD);

    private static KeySchedule.Entry key(String kid, Instant activatesAt) {
        return new KeySchedule.Entry(kid, KeyAlgorithm.ES256, activatesAt);
    }

    @Test
    void firstStartCreatesAKeyThatSignsAtOnce() {
        KeySchedule.Plan plan = schedule.plan(List.of(), T0, RETENTION);
        assertEquals(Optional.of(T0), plan.createActivatingAt());
        assertTrue(plan.deleteKids().isEmpty());
    }

    @Test
    void nothingHappensWhileTheActiveKeyIsYoung() {
        assertTrue(schedule.plan(List.of(key("a", T0)), T0.plus(Duration.ofDays(10)), RETENTION).isEmpty());
    }

    @Test
    void theSuccessorIsPublishedAheadOfTheDueDate() {
        Instant justBefore = T0.plus(PERIOD).minus(AHEAD).minusSeconds(1);
        assertTrue(schedule.plan(List.of(key("a", T0)), justBefore, RETENTION).isEmpty());
        Instant publishTime = T0.plus(PERIOD).minus(AHEAD);
        assertEquals(Optional.of(T0.plus(PERIOD)), schedule.plan(List.of(key("a", T0)), publishTime, RETENTION).createActivatingAt());
    }

    @Test
    void anOverdueRotationStillPublishesAheadBeforeSigning() {
        Instant late = T0.plus(PERIOD).plus(Duration.ofDays(3));
        assertEquals(Optional.of(late.plus(AHEAD)), schedule.plan(List.of(key("a", T0)), late, RETENTION).createActivatingAt());
    }

    @Test
    void aPendingKeyIsNotCreatedTwice() {
        Instant now = T0.plus(PERIOD).minusSeconds(10);
        List<KeySchedule.Entry> keys = List.of(key("a", T0), key("b", T0.plus(PERIOD)));
        assertTrue(schedule.plan(keys, now, RETENTION).isEmpty());
    }

    @Test
    void changingTheAlgorithmRotatesWithPublishAhead() {
        KeySchedule rsa = new KeySchedule(KeyAlgorithm.RS256, PERIOD, AHEAD);
        Instant now = T0.plus(Duration.ofDays(1));
        assertEquals(Optional.of(now.plus(AHEAD)), rsa.plan(List.of(key("a", T0)), now, RETENTION).createActivatingAt());
    }

    @Test
    void aRetiredKeyStaysPublishedForTheRetentionThenGoes() {
        Instant successorStart = T0.plus(PERIOD);
        List<KeySchedule.Entry> keys = List.of(key("old", T0), key("new", successorStart));
        assertTrue(schedule.plan(keys, successorStart.plus(RETENTION).minusSeconds(1), RETENTION).deleteKids().isEmpty());
        assertEquals(List.of("old"), schedule.plan(keys, successorStart.plus(RETENTION), RETENTION).deleteKids());
    }

    @Test
    void theActiveKeyIsTheLatestStarted() {
        List<KeySchedule.Entry> keys = List.of(key("a", T0), key("b", T0.plus(PERIOD)));
        assertEquals("a", KeySchedule.active(keys, KeySchedule.Entry::activatesAt, T0.plus(PERIOD).minusMillis(1)).orElseThrow().kid());
        assertEquals("b", KeySchedule.active(keys, KeySchedule.Entry::activatesAt, T0.plus(PERIOD)).orElseThrow().kid());
        assertTrue(KeySchedule.active(keys, KeySchedule.Entry::activatesAt, T0.minusMillis(1)).isEmpty());
    }

    @Test
    void publishAheadMustBeShorterThanTheRotationPeriod() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KeySchedule(KeyAlgorithm.ES256, Duration.ofHours(1), Duration.ofHours(2)));
        assertTrue(e.getMessage().contains("ts.keys.rotation-period"));
    }
}
