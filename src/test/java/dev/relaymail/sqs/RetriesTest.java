package dev.relaymail.sqs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.testing.SteppingClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The retry delay's formula, its jitter's range and the give-up age, on a clock and a random source the test sets. */
class RetriesTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private final SteppingClock clock = new SteppingClock(T0);
    private final QueueSettings settings = QueueSettings.defaults();
    private double random;
    private final Retries retries = new Retries(settings, clock, () -> random);

    private static SqsRecord sentAt(Optional<Instant> sent, int receives) {
        return new SqsRecord(
                "m", "{}", "arn:aws:sqs:eu-central-1:123456789012:q", Optional.empty(), receives, "r", sent);
    }

    @Test
    void theDelayDoublesWithEachReceiveUpToItsCapWithinItsSecondHalf() {
        int[] steps = {60, 120, 240, 480, 900, 900};
        for (int receives = 1; receives <= steps.length; receives++) {
            random = 0;
            assertEquals(
                    Duration.ofSeconds(steps[receives - 1] / 2), retries.delay(receives), "least, receive " + receives);
            random = 1;
            assertEquals(Duration.ofSeconds(steps[receives - 1]), retries.delay(receives), "most, receive " + receives);
        }
        random = 1;
        assertEquals(Duration.ofMinutes(15), retries.delay(Integer.MAX_VALUE), "no overflow");
        assertEquals(Duration.ofMinutes(1), retries.delay(0), "a record without a receive count counts as the first");
    }

    @Test
    void aSmallerCapAndStepAreTaken() {
        Retries quick = new Retries(
                new QueueSettings(
                        OptionalDouble.empty(), Duration.ofSeconds(20), Duration.ofSeconds(1), Duration.ofSeconds(4)),
                clock,
                () -> 0.5);
        assertEquals(Duration.ofMillis(750), quick.delay(1));
        assertEquals(Duration.ofSeconds(3), quick.delay(3));
        assertEquals(Duration.ofSeconds(3), quick.delay(9));
    }

    @Test
    void aRecordIsGivenUpOnceOlderThanTheMaximumAgeFromWhenTheQueueFirstTookItAndRetriedOnce() {
        SqsRecord record = sentAt(Optional.of(T0), 7);
        clock.advance(Duration.ofHours(24));
        assertFalse(retries.givesUp(record), "exactly 24 h old");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(retries.givesUp(record));
        assertEquals(Duration.ofHours(24).plusSeconds(1), retries.age(record));
        assertFalse(
                retries.givesUp(sentAt(Optional.of(T0), 1)),
                "a record first received when already too old is retried once");
        assertFalse(retries.givesUp(sentAt(Optional.empty(), 900)), "no SentTimestamp: the redrive policy decides");
        assertFalse(retries.givesUp(sentAt(Optional.of(T0.plus(Duration.ofDays(2))), 1)), "a clock behind the queue's");
    }
}
