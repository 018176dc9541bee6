package dev.relaymail.sqs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.testing.SteppingClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The pacing decisions, on a clock the test steps: when each send may start, and how throttling changes that. */
class SendRateTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private final SteppingClock clock = new SteppingClock(T0);

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    @Test
    void spacesSendsEvenlyAndLeavesWhatDoesNotFitToComeBackInItsTurn() {
        SendRate rate = new SendRate(OptionalDouble.of(0.5), clock); // 30 a minute, Exchange Online's limit
        Instant latest = at(5);
        assertEquals(Optional.of(at(0)), rate.take(latest));
        assertEquals(Optional.of(at(2)), rate.take(latest));
        assertEquals(Optional.of(at(4)), rate.take(latest));
        assertEquals(Optional.empty(), rate.take(latest), "a send at 6 s would start after the invocation's latest");
        assertArrayEquals(
                new Duration[] {Duration.ofSeconds(6), Duration.ofSeconds(8), Duration.ofSeconds(10)},
                rate.slotsAfter(3));
        clock.advance(Duration.ofSeconds(30));
        assertEquals(Optional.of(at(30)), rate.take(at(40)), "an idle container sends at once, with no burst saved up");
        assertEquals(Optional.of(at(32)), rate.take(at(40)));
    }

    @Test
    void aThrottlingReplyHalvesTheRateOncePerCutDownToASixteenth() {
        SendRate rate = new SendRate(OptionalDouble.of(10), clock);
        Instant first = rate.take(at(60)).orElseThrow();
        Instant second = rate.take(at(60)).orElseThrow();
        clock.advance(Duration.ofMillis(150));
        rate.throttled(first);
        assertEquals(5, rate.rate(), 1e-9);
        rate.throttled(second);
        assertEquals(5, rate.rate(), 1e-9, "a send started before the cut was made at the old rate: no second cut");
        assertEquals(
                Optional.of(at(0.35)),
                rate.take(at(60)),
                "the next send waits one interval at the new rate from the cut");
        rate.throttled(at(0.35));
        assertEquals(2.5, rate.rate(), 1e-9, "a send at the new rate throttled too: cut again");
        for (int i = 0; i < 20; i++) {
            rate.throttled(rate.take(Instant.MAX).orElseThrow());
        }
        assertEquals(10.0 / 16, rate.rate(), 1e-12);
    }

    @Test
    void acceptedMessagesBringTheRateBackByTheConfiguredRatePerMinuteOfSending() {
        SendRate rate = new SendRate(OptionalDouble.of(10), clock);
        rate.throttled(rate.take(at(1)).orElseThrow());
        assertEquals(5, rate.rate(), 1e-9);
        double seconds = 0;
        int accepted = 0;
        while (rate.rate() < 10) {
            seconds += 1 / rate.rate(); // the time one send takes at the current rate
            rate.accepted();
            accepted++;
        }
        assertEquals(30, seconds, 1, "from half back to full in half of RECOVERY");
        assertTrue(accepted > 200 && accepted < 240, "about 225 messages at 5 to 10 a second: " + accepted);
        rate.accepted();
        assertEquals(10, rate.rate(), 1e-9, "never above SEND_RATE");
    }

    @Test
    void withoutARateItSendsAtOnceUntilThrottledThenAtHalfWhatItWasSending() {
        SendRate rate = new SendRate(OptionalDouble.empty(), clock);
        Instant last = null;
        for (int i = 0; i < 20; i++) {
            last = rate.take(at(1)).orElseThrow();
            assertEquals(at(0), last, "no pacing");
        }
        clock.advance(Duration.ofMillis(100));
        rate.throttled(last);
        assertEquals(2, rate.rate(), 1e-9, "20 sends in the 5 s observed are 4 a second; half of it");
        assertEquals(Optional.of(at(0.6)), rate.take(at(10)));
        for (int i = 0; i < 1000; i++) {
            rate.accepted();
        }
        assertTrue(rate.rate() > 4, "no ceiling without SEND_RATE: " + rate.rate());
    }
}
