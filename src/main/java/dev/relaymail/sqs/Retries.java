package dev.relaymail.sqs;

import java.time.Clock;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * When a record that failed for now comes back, and when it is not tried again.
 *
 * <ul>
 *   <li>Delay: {@code d = min(RETRY_DELAY_MAX_SECONDS, RETRY_DELAY_SECONDS × 2^(receives − 1))}, then a random
 *       point in its second half ({@code d/2 + random × d/2}, "equal jitter"), so that records that failed together
 *       come back spread out, and none sooner than half its step. SQS's {@code ApproximateReceiveCount} counts the
 *       receives, so no state is kept between invocations.</li>
 *   <li>Age: a record older than {@code MAX_RETRY_AGE} (from its {@code SentTimestamp}, when the queue first took it)
 *       that fails for now is not tried again: it goes to the dead-letter queue with the reason. It is retried once at
 *       least, all the same: a record that waited out a long backlog in the queue and then met one refusal has not
 *       been retried at all.</li>
 * </ul>
 */
final class Retries {
    private final QueueSettings settings;
    private final Clock clock;
    private final DoubleSupplier random;

    Retries(QueueSettings settings, Clock clock, DoubleSupplier random) {
        this.settings = settings;
        this.clock = clock;
        this.random = random;
    }

    /** How long a record received {@code receives} times waits before it comes back. */
    Duration delay(int receives) {
        long base = settings.retryDelay().toMillis();
        long max = settings.retryDelayMax().toMillis();
        int doublings = Math.min(Math.max(receives, 1) - 1, 40);
        long step = base > max >> doublings ? max : Math.min(max, base << doublings);
        return Duration.ofMillis(step / 2 + Math.round(random.getAsDouble() * (step - step / 2)));
    }

    /** How long ago the queue first took the record; zero when its event does not say. */
    Duration age(SqsRecord record) {
        return record.sentAt()
                .map(sent -> Duration.between(sent, clock.instant()))
                .filter(age -> !age.isNegative())
                .orElse(Duration.ZERO);
    }

    /** Whether a record that failed for now is past retrying: too old, and received more than once. */
    boolean givesUp(SqsRecord record) {
        return record.receiveCount() > 1 && age(record).compareTo(settings.maxRetryAge()) > 0;
    }
}
