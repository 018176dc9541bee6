package dev.relaymail.sqs;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * How the queue function paces its sends and retries what failed.
 *
 * @param sendRate      messages per second each container sends at most ({@code SEND_RATE}); empty: as fast as the
 *                      relay takes them, until it throttles
 * @param maxRetryAge   how long after a record was first sent to the queue a transient failure is still retried
 *                      ({@code MAX_RETRY_AGE}); past it the record goes to the dead-letter queue
 * @param retryDelay    the first retry's delay; each further receive doubles it ({@code RETRY_DELAY_SECONDS})
 * @param retryDelayMax the longest retry delay ({@code RETRY_DELAY_MAX_SECONDS})
 */
public record QueueSettings(
        OptionalDouble sendRate, Duration maxRetryAge, Duration retryDelay, Duration retryDelayMax) {
    /** 24 hours: the window of every daily quota (Exchange Online, Google Workspace, SES) moves on within it. */
    public static final Duration DEFAULT_MAX_RETRY_AGE = Duration.ofHours(24);
    /** A minute: the window of a per-minute limit (Exchange Online's 30 messages) has moved on by then. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(60);
    /** 15 minutes: a relay over its daily quota is tried four times an hour, not more. */
    public static final Duration DEFAULT_RETRY_DELAY_MAX = Duration.ofMinutes(15);

    public QueueSettings {
        Objects.requireNonNull(sendRate, "sendRate");
        Objects.requireNonNull(maxRetryAge, "maxRetryAge");
        Objects.requireNonNull(retryDelay, "retryDelay");
        Objects.requireNonNull(retryDelayMax, "retryDelayMax");
    }

    /** No pacing, and the defaults. */
    public static QueueSettings defaults() {
        return new QueueSettings(
                OptionalDouble.empty(), DEFAULT_MAX_RETRY_AGE, DEFAULT_RETRY_DELAY, DEFAULT_RETRY_DELAY_MAX);
    }
}
