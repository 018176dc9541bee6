package dev.relaymail.sqs;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of one SQS record the function uses, converted at the edge from the Lambda event.
 *
 * @param receiptHandle what changes the record's visibility in this receive
 * @param sentAt        when the queue first took the message ({@code SentTimestamp}), if the event says
 * @param receiveCount  how often it has been received, this time included ({@code ApproximateReceiveCount})
 */
public record SqsRecord(
        String messageId,
        String body,
        String eventSourceArn,
        Optional<String> messageGroupId,
        int receiveCount,
        String receiptHandle,
        Optional<Instant> sentAt) {

    public SqsRecord {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(eventSourceArn, "eventSourceArn");
        Objects.requireNonNull(messageGroupId, "messageGroupId");
        Objects.requireNonNull(receiptHandle, "receiptHandle");
        Objects.requireNonNull(sentAt, "sentAt");
    }

    static SqsRecord from(JsonNode record) {
        JsonNode attributes = record.path("attributes");
        String sent = attributes.path("SentTimestamp").asText("");
        return new SqsRecord(
                record.path("messageId").asText(""),
                record.path("body").asText(""),
                record.path("eventSourceARN").asText(""),
                Optional.ofNullable(attributes.path("MessageGroupId").textValue()),
                attributes.path("ApproximateReceiveCount").asInt(1),
                record.path("receiptHandle").asText(""),
                sent.matches("\\d{1,15}") ? Optional.of(Instant.ofEpochMilli(Long.parseLong(sent))) : Optional.empty());
    }

    /** True for a record from a FIFO queue, whose order must hold. */
    boolean fifo() {
        return eventSourceArn.endsWith(".fifo");
    }

    /**
     * The URL of the queue the record came from, built from its ARN ({@code arn:PARTITION:sqs:REGION:ACCOUNT:NAME});
     * empty for an ARN of another shape. The SDK sends to its own endpoint; the URL names the queue.
     */
    Optional<String> queueUrl() {
        String[] parts = eventSourceArn.split(":", 6);
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("sqs")) {
            return Optional.empty();
        }
        String domain = parts[1].equals("aws-cn") ? "amazonaws.com.cn" : "amazonaws.com";
        return Optional.of("https://sqs." + parts[3] + "." + domain + "/" + parts[4] + "/" + parts[5]);
    }
}
