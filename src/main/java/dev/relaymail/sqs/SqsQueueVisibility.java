package dev.relaymail.sqs;

import dev.relaymail.aws.AwsClients;
import dev.relaymail.core.Deadline;
import dev.relaymail.logging.LogFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/**
 * Visibility changes through the SDK's SQS client, one {@code ChangeMessageVisibilityBatch} per queue and ten records
 * (a Lambda batch is one queue's), each bounded by the invocation's time left and capped at the SDK's usual 5 s. A
 * change that fails is logged and left to the queue's own visibility timeout: the record is reported either way.
 */
public final class SqsQueueVisibility implements QueueVisibility {
    private static final Logger LOG = Logger.getLogger(SqsQueueVisibility.class.getName());
    /** SQS's most entries in one batch call. */
    private static final int BATCH = 10;

    private final Supplier<SqsClient> client;

    public SqsQueueVisibility(Supplier<SqsClient> client) {
        this.client = client;
    }

    /** Through a client built the function's way on first use ({@link AwsClients}). */
    public static SqsQueueVisibility create() {
        return new SqsQueueVisibility(AwsClients.lazy(SqsClient::builder));
    }

    @Override
    public Set<SqsRecord> change(Map<SqsRecord, Duration> delays, Deadline deadline) {
        Set<SqsRecord> failed = new HashSet<>();
        Map<String, List<SqsRecord>> byQueue = new LinkedHashMap<>();
        for (SqsRecord record : delays.keySet()) {
            Optional<String> url =
                    record.queueUrl().filter(u -> !record.receiptHandle().isEmpty());
            if (url.isEmpty()) {
                failed.add(record);
            } else {
                byQueue.computeIfAbsent(url.get(), u -> new ArrayList<>()).add(record);
            }
        }
        byQueue.forEach((url, records) -> {
            for (int from = 0; from < records.size(); from += BATCH) {
                failed.addAll(
                        change(url, records.subList(from, Math.min(records.size(), from + BATCH)), delays, deadline));
            }
        });
        if (!failed.isEmpty()) {
            LOG.log(
                    Level.WARNING,
                    "could not change when records come back; the queue's visibility timeout applies to them",
                    LogFields.of()
                            .with(
                                    "sqsMessageIds",
                                    failed.stream()
                                            .map(SqsRecord::messageId)
                                            .sorted()
                                            .toList()));
        }
        return failed;
    }

    private List<SqsRecord> change(
            String url, List<SqsRecord> records, Map<SqsRecord, Duration> delays, Deadline deadline) {
        if (!deadline.allows(SqsDeadLetterQueue.LEAST_TIME)) {
            return records;
        }
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            SqsRecord record = records.get(i);
            entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                    .id(Integer.toString(i))
                    .receiptHandle(record.receiptHandle())
                    .visibilityTimeout((int) delays.get(record).toSeconds())
                    .build());
        }
        try {
            List<BatchResultErrorEntry> errors = client.get()
                    .changeMessageVisibilityBatch(r -> r.queueUrl(url)
                            .entries(entries)
                            .overrideConfiguration(call -> call.apiCallTimeout(
                                    Duration.ofMillis(deadline.cap((int) AwsClients.CALL_TIMEOUT.toMillis())))))
                    .failed();
            List<SqsRecord> failed = new ArrayList<>();
            for (BatchResultErrorEntry error : errors) {
                failed.add(records.get(Integer.parseInt(error.id())));
                LOG.log(
                        Level.WARNING,
                        "SQS did not change a record's visibility",
                        LogFields.of()
                                .with(
                                        "sqsMessageId",
                                        records.get(Integer.parseInt(error.id()))
                                                .messageId())
                                .with("error", error.code()));
            }
            return failed;
        } catch (SdkException e) {
            LOG.log(
                    Level.WARNING,
                    "ChangeMessageVisibilityBatch failed",
                    LogFields.of().with("queueUrl", url).with("detail", e.getMessage()));
            return records;
        }
    }
}
