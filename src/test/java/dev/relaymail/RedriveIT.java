package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.message;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.EventSourceMapping;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.Moto;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Moving the dead-letter queue back into the mail queue, as {@code aws sqs start-message-move-task} does, and what each
 * kind of dead-lettered record does then: one already sent under its idempotency key is not sent again; one refused
 * for a cause an operator has since fixed (a sender now allowed, a template now present) is sent.
 *
 * <p>moto_server 5.2 does not implement StartMessageMoveTask, so the test moves the messages with the SDK the way the
 * task does: each message of the dead-letter queue is sent to the mail queue with its body and attributes, then
 * deleted from the dead-letter queue.
 */
class RedriveIT {
    private static final Pattern SUBJECT = Pattern.compile("\r\nSubject: ([^\r]*)\r\n");
    private final SqsClient sqs = Moto.sqs();

    @Test
    void aSentRecordIsNotSentAgainAndARecordWhoseCauseWasFixedIsSent() throws Exception {
        String bucket = Moto.bucket("templates");
        try (Harness h = new Harness().with("TEMPLATE_BUCKET", bucket).with("TEMPLATE_PREFIX", "mail")) {
            h.withIdempotency();
            String queue = h.mailQueue();
            ObjectNode keyed = message("ann@example.org", "Order 7 shipped");
            keyed.put("idempotencyKey", "order-7");
            ObjectNode partner = message("bob@example.org", "From the partner");
            partner.put("from", "news@partner.example");
            ObjectNode invoice =
                    JSON.createObjectNode().put("to", "carol@example.org").put("template", "invoice");
            invoice.putObject("data").put("number", "I-9");
            h.send(queue, List.of(keyed, partner, invoice));
            drain(h, queue, h.newContainer(), 1);

            assertEquals(List.of("Order 7 shipped"), subjects(h));
            Map<String, String> errors = new TreeMap<>();
            List<Message> dead = deadLetters(h);
            dead.forEach(m -> errors.put(SqsBatchIT.attribute(m, "error"), m.body()));
            assertEquals(
                    Map.of("sender_not_allowed", partner.toString(), "invalid_request", invoice.toString()),
                    errors,
                    "refused for good, kept with the reason");
            // the keyed record was sent, and its invocation then died before it answered, five times over: the
            // redrive policy moved it to the dead-letter queue, body unchanged
            sqs.sendMessage(r -> r.queueUrl(h.deadLetterQueueUrl).messageBody(keyed.toString()));

            // the operator allows the partner's sender and adds the template, then moves the dead-letter queue back
            Moto.s3()
                    .putObject(
                            r -> r.bucket(bucket).key("mail/invoice/subject.mustache"),
                            RequestBody.fromString("Invoice {{number}}"));
            Moto.s3()
                    .putObject(
                            r -> r.bucket(bucket).key("mail/invoice/html.mustache"),
                            RequestBody.fromString("<p>Invoice {{number}} is due.</p>"));
            h.with("ALLOWED_FROM", "@example.com,news@partner.example");
            moveMessages(h.deadLetterQueueUrl, queue);
            drain(h, queue, h.newContainer(), 3);

            assertEquals(
                    List.of("From the partner", "Invoice I-9", "Order 7 shipped"),
                    subjects(h).stream().sorted().toList(),
                    "the keyed record was not sent again; the two fixed ones were sent");
            assertEquals(List.of(), deadLetters(h), "the dead-letter queue is empty");
        }
    }

    /** Polls the queue with the container until it is empty and the relay has {@code messages}. */
    private static void drain(Harness h, String queue, MailHandler container, int messages) {
        try (EventSourceMapping lambda = new EventSourceMapping(queue, List.of(container), Duration.ofSeconds(60))) {
            QueuePacingIT.await(
                    "the queue drained to the relay",
                    Duration.ofSeconds(60),
                    () -> h.relay.received().size() >= messages && lambda.inQueue() == 0);
        }
    }

    /** What StartMessageMoveTask does: each message to the destination, body and attributes, then away from here. */
    private void moveMessages(String from, String to) {
        for (List<Message> page = receive(from); !page.isEmpty(); page = receive(from)) {
            for (Message m : page) {
                sqs.sendMessage(r -> r.queueUrl(to).messageBody(m.body()).messageAttributes(m.messageAttributes()));
                sqs.deleteMessage(r -> r.queueUrl(from).receiptHandle(m.receiptHandle()));
            }
        }
    }

    private List<Message> receive(String queue) {
        return sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).messageAttributeNames("All"))
                .messages();
    }

    /** The messages in the dead-letter queue (ten at most), left visible for the move. */
    private List<Message> deadLetters(Harness h) {
        return sqs.receiveMessage(r -> r.queueUrl(h.deadLetterQueueUrl)
                        .maxNumberOfMessages(10)
                        .visibilityTimeout(0)
                        .messageAttributeNames("All"))
                .messages();
    }

    private static List<String> subjects(Harness h) {
        List<String> subjects = new ArrayList<>();
        for (var received : h.relay.received()) {
            Matcher m = SUBJECT.matcher(new String(received.data(), StandardCharsets.US_ASCII));
            subjects.add(m.find() ? m.group(1) : "?");
        }
        return subjects;
    }
}
