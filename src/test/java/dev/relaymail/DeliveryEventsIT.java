package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.failures;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.Deadline;
import dev.relaymail.events.DeliveryEvents;
import dev.relaymail.events.EventSettings;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.Moto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Delivery events through moto_server's EventBridge: a bus, a rule for source {@code relaymail} delivering to an SQS
 * queue, and the test reading that queue.
 */
class DeliveryEventsIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";
    private final SqsClient sqs = Moto.sqs();
    private final String bus = "relaymail-" + UUID.randomUUID();
    private final String target =
            sqs.createQueue(r -> r.queueName("events-" + UUID.randomUUID())).queueUrl();

    DeliveryEventsIT() {
        String targetArn = sqs.getQueueAttributes(r -> r.queueUrl(target).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
        Moto.events("CreateEventBus", "{\"Name\": \"" + bus + "\"}");
        Moto.events(
                "PutRule",
                "{\"Name\": \"all\", \"EventBusName\": \"" + bus + "\", "
                        + "\"EventPattern\": \"{\\\"source\\\": [\\\"relaymail\\\"]}\"}");
        Moto.events(
                "PutTargets",
                "{\"Rule\": \"all\", \"EventBusName\": \"" + bus + "\", \"Targets\": [{\"Id\": \"q\", \"Arn\": \""
                        + targetArn + "\"}]}");
    }

    /** Every event the rule delivered so far, by outcome then in arrival order. */
    private Map<String, List<JsonNode>> events(int expected) throws Exception {
        Map<String, List<JsonNode>> byOutcome = new HashMap<>();
        int seen = 0;
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (seen < expected && System.nanoTime() < until) {
            for (Message m : sqs.receiveMessage(
                            r -> r.queueUrl(target).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages()) {
                JsonNode event = JSON.readTree(m.body());
                assertEquals("relaymail", event.path("source").asText());
                byOutcome
                        .computeIfAbsent(event.at("/detail/outcome").asText(), k -> new ArrayList<>())
                        .add(event);
                seen++;
            }
        }
        assertEquals(expected, seen, "events delivered: " + byOutcome);
        return byOutcome;
    }

    @Test
    void oneEventPerOutcomeWithTheKeyTagsReplyCodeAndMaskedRecipients() throws Exception {
        try (Harness h = new Harness().with("EVENT_BUS_NAME", bus)) {
            h.relay.refuse("gone@example.org", 550);
            h.relay.refuse("busy@example.org", 451);
            ObjectNode sent = message("ann@example.org", "Welcome");
            sent.put("idempotencyKey", "order-1").putObject("tags").put("tenant", "acme");
            sent.putArray("cc").add("bob@example.net");
            ObjectNode stale = message("busy@example.org", "stale");
            ObjectNode event = sqsEvent(
                    QUEUE, sent, message("gone@example.org", "gone"), message("busy@example.org", "busy"), stale);
            // the fourth record was first sent to the queue two days ago and has come back before
            ObjectNode attributes = (ObjectNode) event.at("/Records/3/attributes");
            attributes.put(
                    "SentTimestamp",
                    Long.toString(
                            System.currentTimeMillis() - Duration.ofDays(2).toMillis()));
            attributes.put("ApproximateReceiveCount", "9");

            assertEquals(List.of(Harness.ids(event).get(2)), failures(h.invoke(event)));
            h.invoke(Harness.httpApiEvent(message("carol@example.org", "From the API")));

            Map<String, List<JsonNode>> events = events(5);
            assertEquals(2, events.get("accepted").size());
            JsonNode accepted = events.get("accepted").stream()
                    .filter(e -> e.at("/detail/trigger").asText().equals("sqs"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("Message accepted", accepted.path("detail-type").asText());
            JsonNode detail = accepted.path("detail");
            assertTrue(detail.path("messageId").asText().startsWith("<"), detail.toString());
            assertEquals("order-1", detail.path("idempotencyKey").asText());
            assertEquals("acme", detail.at("/tags/tenant").asText());
            assertEquals(2, detail.path("recipientCount").asInt());
            assertEquals(
                    "[\"a***@example.org\",\"b***@example.net\"]",
                    detail.path("recipients").toString());
            assertEquals(Harness.ids(event).get(0), detail.path("sqsMessageId").asText());
            assertFalse(accepted.toString().contains("Welcome"), "no subject or body in an event");
            assertFalse(accepted.toString().contains("ann@"), "addresses masked");
            assertEquals(
                    "api",
                    events.get("accepted").stream()
                            .filter(e -> e != accepted)
                            .findFirst()
                            .orElseThrow()
                            .at("/detail/trigger")
                            .asText());

            JsonNode failed = events.get("failed").get(0).path("detail");
            assertEquals("relay_rejected", failed.path("error").asText());
            assertEquals(550, failed.path("smtpCode").asInt());
            assertFalse(failed.path("retryable").asBoolean());

            JsonNode deferred = events.get("deferred").get(0);
            assertEquals("Message deferred", deferred.path("detail-type").asText());
            assertEquals(451, deferred.at("/detail/smtpCode").asInt());
            assertTrue(deferred.at("/detail/retryInSeconds").asInt() >= 30, deferred.toString());
            assertEquals(1, deferred.at("/detail/attempts").asInt());

            JsonNode gaveUp = events.get("gave_up").get(0);
            assertEquals("Message given up", gaveUp.path("detail-type").asText());
            assertEquals(9, gaveUp.at("/detail/attempts").asInt());
            assertEquals(451, gaveUp.at("/detail/smtpCode").asInt());
            assertEquals(
                    "gave_up",
                    SqsBatchIT.attribute(
                            h.deadLetters().stream()
                                    .filter(m -> m.body().contains("stale"))
                                    .findFirst()
                                    .orElseThrow(),
                            "error"));
        }
    }

    /** An API batch of 12 messages: 12 events, in two PutEvents calls (ten at most a call); addresses in full. */
    @Test
    void manyOutcomesArePublishedTenACallWithFullAddressesWhenAsked() throws Exception {
        try (Harness h = new Harness().with("EVENT_BUS_NAME", bus).with("EVENT_ADDRESSES", "full")) {
            ObjectNode batch = JSON.createObjectNode();
            ArrayNode messages = batch.putArray("messages");
            for (int i = 0; i < 12; i++) {
                messages.add(message("r" + i + "@example.org", "m" + i));
            }
            ObjectNode event = Harness.httpApiEvent(batch);
            event.put("rawPath", "/messages/batch");
            event.put("routeKey", "POST /messages/batch");
            assertEquals(207, h.invoke(event).path("statusCode").asInt());

            List<JsonNode> accepted = events(12).get("accepted");
            assertEquals(12, accepted.size());
            List<String> recipients = new ArrayList<>();
            accepted.forEach(e -> recipients.add(e.at("/detail/recipients/0").asText()));
            for (int i = 0; i < 12; i++) {
                assertTrue(recipients.contains("r" + i + "@example.org"), recipients.toString());
            }
        }
    }

    /**
     * A bus that does not exist: the message is sent once and the batch answered as always; the events are counted
     * as not published.
     */
    @Test
    void aFailureToPublishNeitherFailsNorRepeatsASend() {
        try (Harness h = new Harness().with("EVENT_BUS_NAME", "no-such-bus-" + UUID.randomUUID())) {
            JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "once"));
            assertEquals(List.of(), failures(h.invoke(event)));
            assertEquals(1, h.relay.received().size(), "sent once");
        }
    }

    /** EventBridge unreachable: publishing gives up within the invocation's time and says how many it lost. */
    @Test
    void anUnreachableEventBridgeLosesOnlyTheEventsWithinTheDeadline() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("AWS_ENDPOINT_URL_EVENTBRIDGE", "http://127.0.0.1:" + closed);
        DeliveryEvents events = DeliveryEvents.create(new EventSettings(Optional.of(bus), false), env);
        DeliveryEvents.Pending pending = events.pending("sqs");
        for (int i = 0; i < 11; i++) {
            pending.add(
                    DeliveryEvents.Outcome.ACCEPTED,
                    Optional.of(DeliveryEvents.Message.unread("key-" + i, Map.of())),
                    Optional.of("<" + i + "@example.com>"),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    false);
        }
        Deadline deadline = Deadline.in(Duration.ofSeconds(20));
        assertEquals(11, pending.publish(deadline));
        assertTrue(deadline.allows(Duration.ZERO), "done before the deadline");
        assertEquals(0, pending.publish(deadline), "published or counted once, not again");
        try {
            assertEquals(
                    0,
                    sqs.receiveMessage(r -> r.queueUrl(target).waitTimeSeconds(0))
                            .messages()
                            .size());
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
