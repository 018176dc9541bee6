package dev.relaymail.sqs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The pace of one container's sends: at most {@code SEND_RATE} messages a second, evenly spaced, and slower while the
 * relay throttles (additive increase, multiplicative decrease, as TCP does with its window).
 *
 * <ul>
 *   <li>Each send takes the next slot ({@link #take}), at least one interval (1 / rate) after the one before. A slot
 *       later than the invocation can use is not taken: the record goes back to the queue until then
 *       ({@link #slotsAfter}).</li>
 *   <li>A throttling reply to a send halves the rate, down to a sixteenth of the configured rate ({@link #FLOOR}),
 *       once for all the sends made at the old rate: the replies to sends already under way say nothing about the new
 *       one. Below that the records' own retry delays do the waiting, while the container still probes the relay at
 *       a pace that fits several sends in an invocation.</li>
 *   <li>Every accepted message then brings the rate back up by a step, so that it grows by the configured rate every
 *       {@link #RECOVERY} of sending, whatever the rate: from half back to full in half that time.</li>
 *   <li>Without a configured rate the container sends as fast as the relay takes its messages; the first throttling
 *       reply starts pacing at half the rate it was sending at (its sends in the last {@link #OBSERVED}), and the
 *       rate then grows without a ceiling.</li>
 * </ul>
 * Time comes from the clock given, so that tests decide with a clock they step.
 */
final class SendRate {
    /** The slowest pace a throttled container falls to, as a share of the configured (or first observed) rate. */
    static final double FLOOR = 1.0 / 16;
    /** How long sending takes to bring the rate up by the configured rate (or by the rate it was throttled at). */
    static final Duration RECOVERY = Duration.ofSeconds(60);
    /** The window over which an unpaced container's rate is measured when it is first throttled. */
    static final Duration OBSERVED = Duration.ofSeconds(5);

    private final Clock clock;
    private final double ceiling;
    /** The slowest pace: {@link #FLOOR} of the ceiling, or of the rate observed when first throttled. */
    private double floor;
    /** Messages per second now; infinite while not paced. */
    private double rate;
    /** What the rate grows by per second of sending. */
    private double growth;
    /** The earliest the next send may start. */
    private Instant next = Instant.MIN;
    /** When the rate was last cut: a throttling reply to a send started before it is not counted again. */
    private Instant cut = Instant.MIN;
    /** The slots taken in the last {@link #OBSERVED}, while not paced. */
    private final Deque<Instant> recent = new ArrayDeque<>();

    SendRate(OptionalDouble configured, Clock clock) {
        this.clock = clock;
        this.ceiling = configured.orElse(Double.POSITIVE_INFINITY);
        this.rate = ceiling;
        this.growth = configured.orElse(0) / RECOVERY.toSeconds();
        this.floor = configured.orElse(0) * FLOOR;
    }

    /** Messages per second now; infinite while not paced. */
    synchronized double rate() {
        return rate;
    }

    /**
     * Takes the next slot if it starts no later than {@code latest}: the moment the send may start, now or later.
     * Empty when it would start later: nothing is taken.
     */
    synchronized Optional<Instant> take(Instant latest) {
        Instant now = clock.instant();
        Instant slot = next.isAfter(now) ? next : now;
        if (slot.isAfter(latest)) {
            return Optional.empty();
        }
        next = slot.plus(interval());
        if (Double.isInfinite(rate)) {
            recent.addLast(slot);
            while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(OBSERVED))) {
                recent.removeFirst();
            }
        }
        return Optional.of(slot);
    }

    /**
     * How long from now until each of {@code count} further sends could start at this rate, one after the other
     * from the next free slot: when records that do not fit in this invocation should come back.
     */
    synchronized Duration[] slotsAfter(int count) {
        Instant now = clock.instant();
        Instant slot = next.isAfter(now) ? next : now;
        Duration[] waits = new Duration[count];
        for (int i = 0; i < count; i++) {
            waits[i] = Duration.between(now, slot);
            slot = slot.plus(interval());
        }
        return waits;
    }

    /** The relay throttled the send that started at {@code started}: halve the rate, once per cut. */
    synchronized void throttled(Instant started) {
        if (started.isBefore(cut)) {
            return;
        }
        if (Double.isInfinite(rate)) {
            double observed = (double) Math.max(1, recent.size()) / OBSERVED.toSeconds();
            growth = observed / RECOVERY.toSeconds();
            floor = observed * FLOOR;
            rate = observed;
            recent.clear();
        }
        rate = Math.max(floor, rate / 2);
        cut = clock.instant();
        // the next send waits one interval at the new rate from now, not from the slot taken at the old one
        Instant after = cut.plus(interval());
        next = after.isAfter(next) ? after : next;
    }

    /** The relay took a message: a step back up, one interval's share of {@link #RECOVERY}. */
    synchronized void accepted() {
        if (!Double.isInfinite(rate)) {
            rate = Math.min(ceiling, rate + growth / rate);
        }
    }

    private Duration interval() {
        return Double.isInfinite(rate) ? Duration.ZERO : Duration.ofNanos(Math.round(1e9 / rate));
    }
}
