package dev.relaymail.sqs;

import dev.relaymail.aws.AwsClients;
import dev.relaymail.core.Deadline;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * The dead-letter queue at {@code DEAD_LETTER_QUEUE_URL}. The original body is kept unchanged; message attributes
 * say why: {@code error} (a short code; {@code gave_up} for a record that failed for now until it was too old),
 * {@code detail}, {@code smtpCode} when the relay gave one, {@code lastError} (a given-up record's last failure),
 * {@code sourceMessageId} and {@code attempts} (the record's receive count). A FIFO dead-letter queue gets the
 * record's message group and its message id for deduplication.
 */
public final class SqsDeadLetterQueue implements DeadLetterQueue {
    private static final int MAX_DETAIL = 1000;
    /**
     * With less of the invocation left, the record is not sent to the queue but reported, to come back and be kept
     * then: a call cut off by the invocation's end would lose the whole batch's answer.
     */
    static final Duration LEAST_TIME = Duration.ofMillis(200);

    private final Supplier<SqsClient> client;
    private final URI queueUrl;

    public SqsDeadLetterQueue(Supplier<SqsClient> client, URI queueUrl) {
        this.client = client;
        this.queueUrl = queueUrl;
    }

    /** The queue at that URL, through a client built the function's way on first use ({@link AwsClients}). */
    public static SqsDeadLetterQueue create(URI queueUrl) {
        return new SqsDeadLetterQueue(AwsClients.lazy(SqsClient::builder), queueUrl);
    }

    @Override
    public void keep(SqsRecord record, Reason reason, Deadline deadline) throws DeadLetterException {
        // the client first: built on a container's first write, it takes time the write's timeout must not count on
        SqsClient sqs;
        try {
            sqs = client.get();
        } catch (SdkException e) {
            throw new DeadLetterException("the dead-letter queue's client could not be built: " + e.getMessage(), e);
        }
        long left = deadline.remainingMillis();
        if (left < LEAST_TIME.toMillis()) {
            throw new DeadLetterException(
                    "too little of the invocation was left to keep the record (" + left + " ms)", null);
        }
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        attributes.put("error", text(reason.error()));
        String detail = reason.detail();
        attributes.put("detail", text(detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) + "…" : detail));
        reason.smtpCode().ifPresent(code -> attributes.put("smtpCode", number(code)));
        reason.lastError().ifPresent(code -> attributes.put("lastError", text(code)));
        attributes.put("sourceMessageId", text(record.messageId()));
        attributes.put("attempts", number(record.receiveCount()));
        SendMessageRequest.Builder request = SendMessageRequest.builder()
                .queueUrl(queueUrl.toString())
                .messageBody(record.body())
                .messageAttributes(attributes)
                .overrideConfiguration(call ->
                        call.apiCallTimeout(Duration.ofMillis(deadline.cap((int) AwsClients.CALL_TIMEOUT.toMillis()))));
        if (queueUrl.getPath().endsWith(".fifo")) {
            request.messageGroupId(record.messageGroupId().orElse("relaymail"))
                    .messageDeduplicationId(record.messageId());
        }
        try {
            sqs.sendMessage(request.build());
        } catch (SdkException e) {
            throw new DeadLetterException("the dead-letter queue did not take the record: " + e.getMessage(), e);
        }
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder()
                .dataType("String")
                .stringValue(value)
                .build();
    }

    private static MessageAttributeValue number(int value) {
        return MessageAttributeValue.builder()
                .dataType("Number")
                .stringValue(Integer.toString(value))
                .build();
    }
}
