package dev.relaymail.logging;

import dev.relaymail.core.Accepted;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RelayException;
import dev.relaymail.events.DeliveryEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The outcomes of one invocation as CloudWatch metrics, written at its end as one log line in Embedded Metric Format:
 * {@code Sent}, {@code TransientFailures}, {@code PermanentFailures}, {@code UnknownOutcomes},
 * {@code DuplicatesSuppressed} (counts) and {@code SendLatency} (milliseconds, one value per message sent); among the
 * failures, {@code Throttled} (the relay's limit on this sender), {@code RelayUnreachable} and
 * {@code RelayLoginFailures} (the credentials refused or unreadable); for queue records, {@code Deferred} (returned to
 * the queue to come back later: paced, backing off or failed for now), {@code GaveUp} (dead-lettered after
 * {@code MAX_RETRY_AGE}) and {@code VisibilityNotChanged}; and {@code EventsNotPublished}. All in the namespace
 * {@code relaymail} with the dimension {@code Trigger} ({@code api} or {@code sqs}). Records of a batch may be sent
 * by several threads at once. The invocation's delivery events are collected beside its metrics ({@link #events()}).
 */
public final class Metrics {
    static final String LOGGER = "dev.relaymail.metrics";
    private static final Logger LOG = Logger.getLogger(LOGGER);
    private static final String NAMESPACE = "relaymail";
    private static final int MAX_VALUES = 100;

    private final String trigger;
    private final DeliveryEvents.Pending events;
    private int sent;
    private int transientFailures;
    private int permanentFailures;
    private int unknownOutcomes;
    private int duplicatesSuppressed;
    private int throttled;
    private int relayUnreachable;
    private int relayLoginFailures;
    private int deferred;
    private int gaveUp;
    private int visibilityNotChanged;
    private int eventsNotPublished;
    private final List<Long> latencies = new ArrayList<>();

    public Metrics(String trigger) {
        this(trigger, DeliveryEvents.none().pending(trigger));
    }

    /** The metrics of an invocation whose delivery events go to {@code events}. */
    public Metrics(String trigger, DeliveryEvents.Pending events) {
        this.trigger = trigger;
        this.events = events;
    }

    /** The invocation's delivery events, published at its end. */
    public DeliveryEvents.Pending events() {
        return events;
    }

    /** Records returned to the queue to come back later. */
    public synchronized void deferred(int records) {
        deferred += records;
    }

    /** A record dead-lettered after {@code MAX_RETRY_AGE}. */
    public synchronized void gaveUp() {
        gaveUp++;
    }

    /** Records whose visibility could not be changed (the queue's own timeout applies). */
    public synchronized void visibilityNotChanged(int records) {
        visibilityNotChanged += records;
    }

    /** Delivery events that could not be published. */
    public synchronized void eventsNotPublished(int count) {
        eventsNotPublished += count;
    }

    synchronized void accepted(Accepted accepted, long millis) {
        if (accepted.replayed()) {
            duplicatesSuppressed++;
        } else {
            sent++;
            if (latencies.size() < MAX_VALUES) {
                latencies.add(millis);
            }
        }
    }

    synchronized void failed(MailException failure) {
        if (failure instanceof RelayException relay && relay.kind() == RelayException.Kind.UNKNOWN_OUTCOME) {
            unknownOutcomes++;
        } else if (failure.retryable()) {
            transientFailures++;
        } else {
            permanentFailures++;
        }
        if (failure instanceof RelayException relay) {
            throttled += relay.throttled() ? 1 : 0;
            switch (relay.kind()) {
                case CONNECTION -> relayUnreachable++;
                case AUTHENTICATION, CREDENTIALS -> relayLoginFailures++;
                default -> {}
            }
        }
    }

    /** Writes the metrics line; nothing when the invocation had no message. */
    public synchronized void publish() {
        if (sent
                        + transientFailures
                        + permanentFailures
                        + unknownOutcomes
                        + duplicatesSuppressed
                        + deferred
                        + eventsNotPublished
                == 0) {
            return;
        }
        Map<String, Object> directive = new LinkedHashMap<>();
        directive.put("Namespace", NAMESPACE);
        directive.put("Dimensions", List.of(List.of("Trigger")));
        directive.put(
                "Metrics",
                List.of(
                        metric("Sent", "Count"),
                        metric("TransientFailures", "Count"),
                        metric("PermanentFailures", "Count"),
                        metric("UnknownOutcomes", "Count"),
                        metric("DuplicatesSuppressed", "Count"),
                        metric("SendLatency", "Milliseconds"),
                        metric("Throttled", "Count"),
                        metric("RelayUnreachable", "Count"),
                        metric("RelayLoginFailures", "Count"),
                        metric("Deferred", "Count"),
                        metric("GaveUp", "Count"),
                        metric("VisibilityNotChanged", "Count"),
                        metric("EventsNotPublished", "Count")));
        Map<String, Object> aws = new LinkedHashMap<>();
        aws.put("Timestamp", Instant.now().toEpochMilli());
        aws.put("CloudWatchMetrics", List.of(directive));
        LOG.log(
                Level.INFO,
                "metrics",
                LogFields.of()
                        .with("_aws", aws)
                        .with("Trigger", trigger)
                        .with("Sent", sent)
                        .with("TransientFailures", transientFailures)
                        .with("PermanentFailures", permanentFailures)
                        .with("UnknownOutcomes", unknownOutcomes)
                        .with("DuplicatesSuppressed", duplicatesSuppressed)
                        .with("SendLatency", latencies.isEmpty() ? null : List.copyOf(latencies))
                        .with("Throttled", throttled)
                        .with("RelayUnreachable", relayUnreachable)
                        .with("RelayLoginFailures", relayLoginFailures)
                        .with("Deferred", deferred)
                        .with("GaveUp", gaveUp)
                        .with("VisibilityNotChanged", visibilityNotChanged)
                        .with("EventsNotPublished", eventsNotPublished));
    }

    private static Map<String, String> metric(String name, String unit) {
        return Map.of("Name", name, "Unit", unit);
    }
}
