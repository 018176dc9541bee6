package dev.relaymail.sqs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/** The parts of one SQS record the function uses, converted at the edge from the Lambda event. */
public record SqsRecord(
        String messageId, String body, String eventSourceArn, Optional<String> messageGroupId, int receiveCount) {

    public SqsRecord {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(eventSourceArn, "eventSourceArn");
        Objects.requireNonNull(messageGroupId, "messageGroupId");
    }

    static SqsRecord from(JsonNode record) {
        JsonNode attributes = record.path("attributes");
        return new SqsRecord(
                record.path("messageId").asText(""),
                record.path("body").asText(""),
                record.path("eventSourceARN").asText(""),
                Optional.ofNullable(attributes.path("MessageGroupId").textValue()),
                attributes.path("ApproximateReceiveCount").asInt(1));
    }

    /** True for a record from a FIFO queue, whose order must hold. */
    boolean fifo() {
        return eventSourceArn.endsWith(".fifo");
    }
}
