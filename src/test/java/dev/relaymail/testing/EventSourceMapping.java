package dev.relaymail.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.MailHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Lambda's SQS event source mapping, played against a moto_server queue: one poller per container (the mapping's
 * maximum concurrency), each receiving batches of up to ten, invoking its container with the SQS event exactly as
 * Lambda builds it (the records' {@code ApproximateReceiveCount}, {@code SentTimestamp},
 * {@code ApproximateFirstReceiveTimestamp}, receipt handle, {@code eventSourceARN} …) and the function's timeout, then
 * deleting the records the answer does not name in {@code batchItemFailures}. Reported records stay in the queue as
 * they are: they come back when their visibility timeout, the queue's or the one the function set, ends; the queue's
 * redrive policy applies.
 */
public final class EventSourceMapping implements AutoCloseable {
    private final SqsClient sqs = Moto.sqs();
    private final String queueUrl;
    private final String queueArn;
    private final Duration timeout;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> pollers = new ArrayList<>();
    private final AtomicInteger invocations = new AtomicInteger();
    private final AtomicInteger receives = new AtomicInteger();
    private final List<Throwable> failures = new ArrayList<>();

    /** Starts polling the queue, one poller per container, each invocation with {@code timeout}. */
    public EventSourceMapping(String queueUrl, List<MailHandler> containers, Duration timeout) {
        this.queueUrl = queueUrl;
        this.queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
        this.timeout = timeout;
        for (MailHandler container : containers) {
            Thread poller = new Thread(() -> poll(container), "event-source-mapping");
            poller.setDaemon(true);
            pollers.add(poller);
            poller.start();
        }
    }

    private void poll(MailHandler container) {
        try {
            while (!stop.get()) {
                List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                                .maxNumberOfMessages(10)
                                .waitTimeSeconds(1)
                                .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                        .messages();
                if (batch.isEmpty()) {
                    continue;
                }
                receives.addAndGet(batch.size());
                JsonNode answer =
                        Harness.invoke(container, event(batch).toString().getBytes(StandardCharsets.UTF_8), timeout);
                invocations.incrementAndGet();
                Set<String> reported = new HashSet<>(Harness.failures(answer));
                List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
                for (Message m : batch) {
                    if (!reported.contains(m.messageId())) {
                        done.add(DeleteMessageBatchRequestEntry.builder()
                                .id(Integer.toString(done.size()))
                                .receiptHandle(m.receiptHandle())
                                .build());
                    }
                }
                if (!done.isEmpty()) {
                    sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(done));
                }
            }
        } catch (RuntimeException | Error e) {
            synchronized (failures) {
                failures.add(e);
            }
        }
    }

    private ObjectNode event(List<Message> messages) {
        return event(queueArn, messages);
    }

    /** The SQS event Lambda delivers for these messages, received from the queue with this ARN. */
    public static ObjectNode event(String queueArn, List<Message> messages) {
        ObjectNode event = Harness.JSON.createObjectNode();
        ArrayNode records = event.putArray("Records");
        String region = queueArn.split(":")[3];
        for (Message m : messages) {
            ObjectNode record = records.addObject();
            record.put("messageId", m.messageId());
            record.put("receiptHandle", m.receiptHandle());
            record.put("body", m.body());
            ObjectNode attributes = record.putObject("attributes");
            m.attributesAsStrings().forEach(attributes::put);
            record.putObject("messageAttributes");
            record.put("md5OfBody", m.md5OfBody());
            record.put("eventSource", "aws:sqs");
            record.put("eventSourceARN", queueArn);
            record.put("awsRegion", region);
        }
        return event;
    }

    /** How many batches were handed to the containers. */
    public int invocations() {
        return invocations.get();
    }

    /** How many records were received, redeliveries included. */
    public int receives() {
        return receives.get();
    }

    /** Messages in the queue, visible or in flight. */
    public int inQueue() {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                        .attributeNames(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Stops polling, waits for the invocations under way, and throws what a poller met. */
    @Override
    public void close() {
        stop.set(true);
        for (Thread poller : pollers) {
            try {
                poller.join(timeout.plusSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (failures) {
            if (!failures.isEmpty()) {
                throw new IllegalStateException("a poller failed", failures.get(0));
            }
        }
    }
}
