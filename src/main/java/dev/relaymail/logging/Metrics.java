package dev.relaymail.logging;

import dev.relaymail.core.Accepted;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RelayException;
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
 * {@code DuplicatesSuppressed} (counts) and {@code SendLatency} (milliseconds, one value per message sent), in the
 * namespace {@code relaymail} with the dimension {@code Trigger} ({@code api} or {@code sqs}). Records of a batch
 * may be sent by several threads at once.
 */
public final class Metrics {
    static final String LOGGER = "dev.relaymail.metrics";
    private static final Logger LOG = Logger.getLogger(LOGGER);
    private static final String NAMESPACE = "relaymail";
    private static final int MAX_VALUES = 100;

    private final String trigger;
    private int sent;
    private int transientFailures;
    private int permanentFailures;
    private int unknownOutcomes;
    private int duplicatesSuppressed;
    private final List<Long> latencies = new ArrayList<>();

    public Metrics(String trigger) {
        this.trigger = trigger;
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
    }

    /** Writes the metrics line; nothing when the invocation had no message. */
    public synchronized void publish() {
        if (sent + transientFailures + permanentFailures + unknownOutcomes + duplicatesSuppressed == 0) {
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
                        metric("SendLatency", "Milliseconds")));
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
                        .with("SendLatency", latencies.isEmpty() ? null : List.copyOf(latencies)));
    }

    private static Map<String, String> metric(String name, String unit) {
        return Map.of("Name", name, "Unit", unit);
    }
}
