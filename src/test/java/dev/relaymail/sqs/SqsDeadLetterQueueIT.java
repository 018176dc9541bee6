package dev.relaymail.sqs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.aws.AwsClients;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.testing.Moto;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** The dead-letter queue in moto_server's SQS, written within the invocation's deadline. */
class SqsDeadLetterQueueIT {
    private final SqsClient sqs = Moto.sqs();
    private final String url =
            sqs.createQueue(r -> r.queueName("dlq-" + UUID.randomUUID())).queueUrl();
    private final SqsDeadLetterQueue queue = new SqsDeadLetterQueue(Moto::sqs, URI.create(url));
    private final SqsRecord record = new SqsRecord(
            "m-1",
            "{\"to\": \"ann@example.org\"}",
            "arn:aws:sqs:eu-central-1:123456789012:mail",
            Optional.empty(),
            2,
            "receipt-1",
            Optional.empty());
    private final DeadLetterQueue.Reason reason = DeadLetterQueue.Reason.of(
            new RelayException(RelayException.Kind.PERMANENT_REPLY, 550, "the relay answered 550 5.1.1 unknown"));

    @Test
    void keepsTheBodyAsItCameWithTheReason() throws Exception {
        queue.keep(record, reason, Deadline.in(Duration.ofSeconds(10)));

        List<Message> kept = sqs.receiveMessage(r -> r.queueUrl(url).messageAttributeNames("All"))
                .messages();
        assertEquals(1, kept.size());
        assertEquals(record.body(), kept.get(0).body());
        assertEquals("550", kept.get(0).messageAttributes().get("smtpCode").stringValue());
        assertEquals(
                "m-1", kept.get(0).messageAttributes().get("sourceMessageId").stringValue());
    }

    /**
     * The write ends with the invocation's time, not with the SDK's own call timeout of 5 s: the call's timeout is the
     * time left (as the SDK's failure names it), and the write gives up more than a second before an attempt's.
     */
    @Test
    void aQueueThatDoesNotAnswerIsGivenUpAtTheDeadline() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                // built before the clock starts: building a client takes about half a second, more on a busy machine
                SqsClient client = AwsClients.build(SqsClient.builder()
                        .endpointOverride(URI.create("http://127.0.0.1:" + silent.getLocalPort())))) {
            Thread accepting = new Thread(() -> {
                List<Socket> held = new ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException e) {
                    // closed: the test is over
                }
            });
            accepting.setDaemon(true);
            accepting.start();
            SqsDeadLetterQueue unanswered = new SqsDeadLetterQueue(() -> client, URI.create(url));

            long start = System.nanoTime();
            DeadLetterQueue.DeadLetterException e = assertThrows(
                    DeadLetterQueue.DeadLetterException.class,
                    () -> unanswered.keep(record, reason, Deadline.in(Duration.ofMillis(600))));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            Matcher timeout =
                    Pattern.compile("timeout configuration: (\\d+) millis").matcher(e.getMessage());
            assertTrue(
                    timeout.find() && Long.parseLong(timeout.group(1)) <= 600,
                    "the call's timeout is the time left: " + e.getMessage());
            assertTrue(
                    tookMillis < AwsClients.ATTEMPT_TIMEOUT.toMillis(),
                    "gave up after " + tookMillis + " ms, not at the deadline (600 ms)");
        }
    }

    /**
     * A container's first write builds the client, which takes time: the write's timeout is what is left after that,
     * not what was left before it, so that the first write too ends with the invocation.
     */
    @Test
    void theClientsBuildOnFirstUseIsNotCountedAsTimeTheWriteHas() throws Exception {
        Duration building = Duration.ofMillis(700);
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                SqsClient client = AwsClients.build(SqsClient.builder()
                        .endpointOverride(URI.create("http://127.0.0.1:" + silent.getLocalPort())))) {
            SqsDeadLetterQueue builtOnFirstUse = new SqsDeadLetterQueue(
                    () -> {
                        try {
                            Thread.sleep(building.toMillis()); // what building the client takes, at the least
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return client;
                    },
                    URI.create(url));

            DeadLetterQueue.DeadLetterException e = assertThrows(
                    DeadLetterQueue.DeadLetterException.class,
                    () -> builtOnFirstUse.keep(record, reason, Deadline.in(Duration.ofMillis(1500))));

            Matcher timeout =
                    Pattern.compile("timeout configuration: (\\d+) millis").matcher(e.getMessage());
            assertTrue(
                    timeout.find() && Long.parseLong(timeout.group(1)) <= 1500 - building.toMillis(),
                    "the call's timeout is the time left once the client was built: " + e.getMessage());
        }
    }

    /** A write that could outlive the invocation is not begun: the record is reported, and kept when it is back. */
    @Test
    void withTooLittleTimeLeftTheRecordIsNotKeptButReported() {
        DeadLetterQueue.DeadLetterException e = assertThrows(
                DeadLetterQueue.DeadLetterException.class,
                () -> queue.keep(record, reason, Deadline.in(SqsDeadLetterQueue.LEAST_TIME.minusMillis(1))));

        assertTrue(e.getMessage().startsWith("too little of the invocation was left"), e.getMessage());
        assertEquals(0, sqs.receiveMessage(r -> r.queueUrl(url)).messages().size());
    }
}
