package dev.relaymail;

import static dev.relaymail.testing.Harness.failures;
import static dev.relaymail.testing.Harness.ids;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.ScriptedRelay;
import dev.relaymail.testing.TestRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** SQS batches through the real handler: partial batch responses, the dead-letter queue, FIFO order. */
class SqsBatchIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";
    private static final String FIFO = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages.fifo";
    /** How long a relay holding a message waits for others that must begin meanwhile: well within the invocation. */
    private static final Duration BEGUN_WITHIN = Duration.ofSeconds(10);
    /** How long it waits for others that must not begin meanwhile, to give them the chance to show they would. */
    private static final Duration NOT_BEFORE = Duration.ofSeconds(2);
    /** A read timeout that lets the relay hold a message that long: the harness's 3 s would end the wait first. */
    private static final String SLOW_REPLY = "15000";

    static List<String> subjects(TestRelay relay) {
        Pattern subject = Pattern.compile("\r\nSubject: ([^\r]*)\r\n");
        return relay.received().stream()
                .map(r -> {
                    Matcher m = subject.matcher(new String(r.data(), StandardCharsets.US_ASCII));
                    return m.find() ? m.group(1) : "?";
                })
                .toList();
    }

    static String attribute(Message m, String name) {
        MessageAttributeValue value = m.messageAttributes().get(name);
        return value == null ? null : value.stringValue();
    }

    @Test
    void transientIsRetriedPermanentIsKeptInTheDeadLetterQueueAndTheRestIsSent() {
        try (Harness h = new Harness().with("SMTP_CONNECTIONS", "1")) {
            h.relay.refuse("busy@example.org", 451);
            h.relay.refuse("gone@example.org", 550);
            JsonNode event = sqsEvent(
                    QUEUE,
                    message("ann@example.org", "first"),
                    message("busy@example.org", "busy"),
                    message("gone@example.org", "gone"),
                    message("bob@example.net", "last"));
            List<String> ids = ids(event);

            JsonNode response = h.invoke(event);

            assertEquals(List.of(ids.get(1)), failures(response));
            assertEquals(List.of("first", "last"), subjects(h.relay));
            assertEquals(1, h.relay.connections(), "one connection for the whole batch (with SMTP_CONNECTIONS=1)");
            List<Message> dead = h.deadLetters();
            assertEquals(1, dead.size());
            Message kept = dead.get(0);
            assertEquals(event.get("Records").get(2).get("body").asText(), kept.body());
            assertEquals("relay_rejected", attribute(kept, "error"));
            assertEquals("550", attribute(kept, "smtpCode"));
            assertEquals("Number", kept.messageAttributes().get("smtpCode").dataType());
            assertEquals(ids.get(2), attribute(kept, "sourceMessageId"));
            assertEquals("1", attribute(kept, "attempts"));
            assertTrue(attribute(kept, "detail").contains("g***@example.org"), attribute(kept, "detail"));
        }
    }

    @Test
    void invalidRequestsGoToTheDeadLetterQueueNamingTheField() {
        try (Harness h = new Harness()) {
            ObjectNode bad = message("ann@example.org", "x");
            bad.remove("subject");
            JsonNode response = h.invoke(sqsEvent(QUEUE, bad));

            assertEquals(List.of(), failures(response));
            Message kept = h.deadLetters().get(0);
            assertEquals("invalid_request", attribute(kept, "error"));
            assertTrue(attribute(kept, "detail").contains("subject"), attribute(kept, "detail"));
            assertEquals(null, attribute(kept, "smtpCode"));
        }
    }

    @Test
    void refusedSendersGoToTheDeadLetterQueue() {
        try (Harness h = new Harness()) {
            JsonNode response =
                    h.invoke(sqsEvent(QUEUE, message("ann@example.org", "x").put("from", "x@evil.example")));
            assertEquals(List.of(), failures(response));
            assertEquals("sender_not_allowed", attribute(h.deadLetters().get(0), "error"));
        }
    }

    @Test
    void permanentFailuresAreReportedWhenThereIsNoDeadLetterQueue() {
        try (Harness h = new Harness().with("DEAD_LETTER_QUEUE_URL", null)) {
            h.relay.refuse("gone@example.org", 550);
            JsonNode event = sqsEvent(QUEUE, message("gone@example.org", "gone"), message("ann@example.org", "ok"));
            assertEquals(List.of(ids(event).get(0)), failures(h.invoke(event)));
            assertEquals(List.of("ok"), subjects(h.relay));
        }
    }

    @Test
    void permanentFailuresAreReportedWhenTheDeadLetterQueueFails() {
        try (Harness h = new Harness()) {
            h.with("DEAD_LETTER_QUEUE_URL", h.deadLetterQueueUrl + "-missing");
            ObjectNode bad = message("ann@example.org", "x");
            bad.put("unknown", true);
            JsonNode event = sqsEvent(QUEUE, bad);
            assertEquals(ids(event), failures(h.invoke(event)));
        }
    }

    @Test
    void fifoReportsTheFirstFailureAndEveryLaterRecordWithoutSendingThem() {
        try (Harness h = new Harness()) {
            h.relay.refuse("busy@example.org", 451);
            JsonNode event = sqsEvent(
                    FIFO,
                    message("ann@example.org", "one"),
                    message("busy@example.org", "two"),
                    message("ann@example.org", "three"));
            List<String> ids = ids(event);

            assertEquals(ids.subList(1, 3), failures(h.invoke(event)));
            assertEquals(List.of("one"), subjects(h.relay), "three was not sent ahead of two");
        }
    }

    @Test
    void fifoGoesOnAfterARecordKeptInTheDeadLetterQueue() {
        try (Harness h = new Harness()) {
            h.relay.refuse("gone@example.org", 550);
            JsonNode event = sqsEvent(FIFO, message("gone@example.org", "one"), message("ann@example.org", "two"));
            assertEquals(List.of(), failures(h.invoke(event)));
            assertEquals(List.of("two"), subjects(h.relay));
            assertEquals(1, h.deadLetters().size());
        }
    }

    @Test
    void aRelayWithoutStartTlsGetsOneReconnectThenTheRestIsReported() {
        try (Harness h = new Harness(TestRelay.withoutStartTls())) {
            JsonNode event = sqsEvent(
                    QUEUE,
                    message("a@example.org", "1"),
                    message("b@example.org", "2"),
                    message("c@example.org", "3"),
                    message("d@example.org", "4"));

            assertEquals(ids(event), failures(h.invoke(event)));
            assertEquals(2, h.relay.connections(), "the first record and one reconnect, then no more attempts");
            assertEquals(0, h.relay.authAttempts());
            assertEquals(0, h.relay.received().size());
            assertEquals(0, h.deadLetters().size(), "transient failures are not dead letters");
        }
    }

    @Test
    void recordsWithoutTimeLeftAreReportedWithoutTrying() {
        try (Harness h = new Harness()) {
            JsonNode event = sqsEvent(QUEUE, message("a@example.org", "1"), message("b@example.org", "2"));
            JsonNode response = h.invoke(event.toString().getBytes(StandardCharsets.UTF_8), Duration.ofMillis(1200));
            assertEquals(ids(event), failures(response));
            assertEquals(0, h.relay.connections());
        }
    }

    @Test
    void aRedeliveredRecordKeepsItsMessageId() {
        try (Harness h = new Harness()) {
            JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "again"));
            h.invoke(event);
            h.invoke(event);
            Pattern id = Pattern.compile("\r\nMessage-ID: (<[^>]+>)\r\n");
            List<String> messageIds = h.relay.received().stream()
                    .map(r -> {
                        Matcher m = id.matcher(new String(r.data(), StandardCharsets.US_ASCII));
                        assertTrue(m.find());
                        return m.group(1);
                    })
                    .toList();
            assertEquals(2, messageIds.size());
            assertEquals(messageIds.get(0), messageIds.get(1));
        }
    }

    @Test
    void recordsOfAStandardQueueGoOverSeveralConnectionsAtOnce() {
        try (Harness h = new Harness().with("SMTP_CONNECTIONS", "3")) {
            h.relay.refuse("busy@example.org", 451);
            ObjectNode[] bodies = new ObjectNode[9];
            for (int i = 0; i < bodies.length; i++) {
                bodies[i] = message(i == 4 ? "busy@example.org" : "r" + i + "@example.org", "m" + i);
            }
            JsonNode event = sqsEvent(QUEUE, bodies);

            assertEquals(List.of(ids(event).get(4)), failures(h.invoke(event)));
            assertEquals(8, h.relay.received().size());
            assertEquals(3, h.relay.connections());
            assertEquals(3, h.relay.authAttempts());
        }
    }

    @Test
    void fifoRecordsStayInOrderOnOneConnectionWhateverTheSetting() {
        try (Harness h = new Harness().with("SMTP_CONNECTIONS", "3")) {
            JsonNode event = sqsEvent(
                    FIFO,
                    message("a@example.org", "1"),
                    message("b@example.org", "2"),
                    message("c@example.org", "3"),
                    message("d@example.org", "4"));
            assertEquals(List.of(), failures(h.invoke(event)));
            assertEquals(List.of("1", "2", "3", "4"), subjects(h.relay));
            assertEquals(1, h.relay.connections());
        }
    }

    @Test
    void aBatchStartsWithOneRecordAloneUnlessTheRelayJustTookOne() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")
                        .with("SMTP_CONNECTIONS", "4")
                        .with("SMTP_TIMEOUT_MS", SLOW_REPLY)) {
            AtomicReference<CountDownLatch> mails = new AtomicReference<>();
            AtomicReference<Duration> patience = new AtomicReference<>();
            AtomicBoolean firstOfBatch = new AtomicBoolean();
            List<Boolean> othersStartedMeanwhile = new CopyOnWriteArrayList<>();
            relay.on("MAIL", c -> {
                mails.get().countDown();
                return null;
            });
            relay.on("DOT", c -> {
                if (firstOfBatch.getAndSet(false)) {
                    othersStartedMeanwhile.add(awaitQuietly(mails.get(), patience.get()));
                }
                return null;
            });
            for (String batch : List.of("cold", "warm")) {
                mails.set(new CountDownLatch(2));
                // the cold batch's others must not start: 2 s is their chance to show they would; the warm batch's
                // must, and are waited for as long as a busy machine may need
                patience.set(batch.equals("cold") ? NOT_BEFORE : BEGUN_WITHIN);
                firstOfBatch.set(true);
                JsonNode event = sqsEvent(
                        QUEUE,
                        message("a@example.org", batch + "1"),
                        message("b@example.org", batch + "2"),
                        message("c@example.org", batch + "3"));
                assertEquals(List.of(), failures(h.invoke(event)));
            }

            assertEquals(
                    List.of(false, true),
                    othersStartedMeanwhile,
                    "a new container's first record goes alone; right after, the batch goes parallel at once");
            assertEquals(6, relay.payloads().size());
        }
    }

    /**
     * By default a warm container has a connection for every record of a batch of 10 (the template's batch size): the
     * relay sees all ten messages begun before it takes any of them, so the batch goes in one round.
     */
    @Test
    void byDefaultAWarmContainerSendsABatchOfTenInOneRound() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p").with("SMTP_TIMEOUT_MS", SLOW_REPLY)) {
            assertEquals(List.of(), failures(h.invoke(sqsEvent(QUEUE, message("a@example.org", "first")))));
            CountDownLatch mails = new CountDownLatch(10);
            List<Boolean> allBegunBeforeThis = new CopyOnWriteArrayList<>();
            relay.on("MAIL", c -> {
                mails.countDown();
                return null;
            });
            relay.on("DOT", c -> {
                allBegunBeforeThis.add(awaitQuietly(mails, BEGUN_WITHIN));
                return null;
            });
            ObjectNode[] bodies = new ObjectNode[10];
            for (int i = 0; i < bodies.length; i++) {
                bodies[i] = message("r" + i + "@example.org", "m" + i);
            }
            assertEquals(List.of(), failures(h.invoke(sqsEvent(QUEUE, bodies))));

            assertEquals(Collections.nCopies(10, true), allBegunBeforeThis);
            assertEquals(11, relay.payloads().size());
        }
    }

    /**
     * A relay that allows 3 connections (per client, or sending at once with 432 for the others, as Exchange Online)
     * still gets every record of a batch, over those 3.
     */
    @ParameterizedTest
    @EnumSource(TestRelay.Limit.class)
    void aRelayThatAllowsFewerConnectionsThanConfiguredGetsTheWholeBatch(TestRelay.Limit limit) {
        try (Harness h = new Harness()) {
            h.relay.limit(limit, 3);
            assertEquals(List.of(), failures(h.invoke(sqsEvent(QUEUE, message("a@example.org", "first")))));
            for (int batch = 0; batch < 2; batch++) {
                ObjectNode[] bodies = new ObjectNode[10];
                for (int i = 0; i < bodies.length; i++) {
                    bodies[i] = message("r" + i + "@example.org", "b" + batch + "m" + i);
                }
                assertEquals(List.of(), failures(h.invoke(sqsEvent(QUEUE, bodies))));
            }

            assertEquals(21, h.relay.received().size());
            assertTrue(h.relay.refusals(limit) >= 1, "the relay refused some over its limit");
        }
    }

    /** Whether the latch opened within {@code bound}. */
    private static boolean awaitQuietly(CountDownLatch latch, Duration bound) {
        try {
            return latch.await(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
