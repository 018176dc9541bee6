package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.failures;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.ScriptedRelay.reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.ScriptedRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * 1,000 SQS records through two containers of the real handler, a relay that randomly defers, closes connections
 * and loses its answer after the data, and a simulated queue that redelivers what was handled and moves what failed
 * five times to its dead-letter queue. At the end every record is delivered exactly once (by Message-ID), kept in the
 * function's dead-letter queue with a reason, or in the queue's own dead-letter queue, and the counts add up. The only
 * second deliveries are of records whose relay answer was lost, and they carry the same Message-ID; such a record is
 * also the only one that may be both delivered and in the queue's dead-letter queue (every later attempt failed).
 */
class ReconciliationIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";
    private static final int RECORDS = 1000;
    private static final int MAX_RECEIVES = 5;
    private static final Pattern SUBJECT = Pattern.compile("\r\nSubject: (rec-\\d+)\r\n");
    private static final Pattern MESSAGE_ID = Pattern.compile("\r\nMessage-ID: (<[^>]+>)\r\n");

    /** One record of the simulated queue. */
    private record Queued(ObjectNode record, int receives) {
        String id() {
            return record.get("messageId").asText();
        }
    }

    @Test
    void everyRecordIsDeliveredOnceKeptWithAReasonOrLeftToTheRedrivePolicy() throws Exception {
        Random random = new Random(20261126);
        Set<String> lostAnswers = ConcurrentHashMap.newKeySet();
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            h.withIdempotency();
            relay.on("MAIL", c -> chance(random, 0.02) ? reply("421 4.3.2 closing") : null);
            relay.on(
                    "RCPT",
                    c -> c.line().contains("bounce-")
                            ? reply("550 5.1.1 no such user")
                            : chance(random, 0.05) ? reply("451 4.3.0 try later") : null);
            relay.on("DOT", c -> {
                if (chance(random, 0.03)) {
                    lostAnswers.add(subject(relay.payloadEndedBy(c)));
                    return new ScriptedRelay.Drop();
                }
                return chance(random, 0.03) ? reply("452 4.3.1 insufficient storage") : null;
            });
            List<MailHandler> containers = List.of(h.newContainer(), h.newContainer());

            Map<String, String> kind = new HashMap<>();
            Deque<Queued> queue = new ArrayDeque<>();
            for (int i = 0; i < RECORDS; i++) {
                String name = "rec-" + i;
                double dice = random.nextDouble();
                ObjectNode body =
                        message(dice < 0.05 ? "bounce-" + i + "@example.org" : "r" + i + "@example.org", name);
                if (dice >= 0.05 && dice < 0.08) {
                    body.remove("subject");
                    body.put("subjekt", name);
                }
                kind.put(name, dice < 0.05 ? "bounce" : dice < 0.08 ? "invalid" : "valid");
                ObjectNode record = (ObjectNode)
                        Harness.sqsEvent(QUEUE, body).get("Records").get(0);
                record.put("messageId", name);
                queue.add(new Queued(record, 0));
            }

            List<String> redriven = new ArrayList<>();
            int redeliveries = 0;
            int invocations = 0;
            while (!queue.isEmpty() && invocations < 2000) {
                List<Queued> batch = new ArrayList<>();
                while (batch.size() < 10 && !queue.isEmpty()) {
                    batch.add(queue.poll());
                }
                ObjectNode event = JSON.createObjectNode();
                ArrayNode records = event.putArray("Records");
                for (Queued q : batch) {
                    ObjectNode copy = q.record().deepCopy();
                    ((ObjectNode) copy.get("attributes"))
                            .put("ApproximateReceiveCount", Integer.toString(q.receives() + 1));
                    records.add(copy);
                }
                MailHandler container = containers.get(random.nextInt(containers.size()));
                Set<String> failed = new HashSet<>(failures(Harness.invoke(
                        container, event.toString().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(60))));
                invocations++;
                for (Queued q : batch) {
                    Queued next = new Queued(q.record(), q.receives() + 1);
                    if (failed.contains(q.id())) {
                        if (next.receives() >= MAX_RECEIVES) {
                            redriven.add(q.id());
                        } else {
                            queue.add(next);
                        }
                    } else if (chance(random, 0.05) && next.receives() < MAX_RECEIVES) {
                        queue.add(next);
                        redeliveries++;
                    }
                }
            }
            assertTrue(queue.isEmpty(), "nothing left pending after " + invocations + " invocations");

            Map<String, List<String>> delivered = new HashMap<>();
            for (byte[] payload : relay.accepted()) {
                delivered
                        .computeIfAbsent(subject(payload), k -> new ArrayList<>())
                        .add(messageId(payload));
            }
            Map<String, Message> deadLetters = new HashMap<>();
            for (List<Message> page = h.deadLetters(); !page.isEmpty(); page = h.deadLetters()) {
                for (Message m : page) {
                    deadLetters.put(m.messageAttributes().get("sourceMessageId").stringValue(), m);
                }
            }

            int once = 0;
            int twice = 0;
            int deliveredAndRedriven = 0;
            for (int i = 0; i < RECORDS; i++) {
                String name = "rec-" + i;
                List<String> ids = delivered.getOrDefault(name, List.of());
                boolean kept = deadLetters.containsKey(name);
                boolean left = redriven.contains(name);
                // the one record allowed in two places: its relay answer was lost (the relay had it, the function
                // could not know), and every later attempt failed until the queue's redrive policy moved it
                boolean lostThenRedriven = lostAnswers.contains(name) && !ids.isEmpty() && left;
                deliveredAndRedriven += lostThenRedriven ? 1 : 0;
                assertEquals(
                        1,
                        (ids.isEmpty() ? 0 : 1) + (kept ? 1 : 0) + (left && !lostThenRedriven ? 1 : 0),
                        name + " is in exactly one place: delivered " + ids + ", kept " + kept + ", redriven " + left
                                + ", an answer lost " + lostAnswers.contains(name));
                switch (kind.get(name)) {
                    case "valid" -> assertTrue(!ids.isEmpty() || left, name + " was not lost");
                    case "bounce" ->
                        assertEquals(
                                "relay_rejected",
                                deadLetters
                                        .get(name)
                                        .messageAttributes()
                                        .get("error")
                                        .stringValue(),
                                name);
                    default ->
                        assertEquals(
                                "invalid_request",
                                deadLetters
                                        .get(name)
                                        .messageAttributes()
                                        .get("error")
                                        .stringValue(),
                                name);
                }
                if (ids.size() > 1) {
                    assertTrue(lostAnswers.contains(name), name + " was sent twice without a lost answer");
                    assertEquals(1, new HashSet<>(ids).size(), name + " kept its Message-ID: " + ids);
                    twice++;
                } else if (ids.size() == 1) {
                    once++;
                }
            }
            assertEquals(
                    RECORDS,
                    once + twice + deadLetters.size() + redriven.size() - deliveredAndRedriven,
                    "the counts add up");
            assertTrue(
                    redeliveries > 20 && lostAnswers.size() > 5,
                    "the faults happened: " + redeliveries + " redeliveries, " + lostAnswers.size() + " lost answers");
            System.out.printf(
                    "reconciliation: %d delivered once, %d twice after a lost answer, %d dead-lettered,"
                            + " %d redriven; %d redeliveries suppressed, %d invocations%n",
                    once, twice, deadLetters.size(), redriven.size(), redeliveries, invocations);
        }
    }

    private static boolean chance(Random random, double p) {
        synchronized (random) {
            return random.nextDouble() < p;
        }
    }

    private static String subject(byte[] payload) {
        Matcher m = SUBJECT.matcher(new String(payload, StandardCharsets.US_ASCII));
        return m.find() ? m.group(1) : "?";
    }

    private static String messageId(byte[] payload) {
        Matcher m = MESSAGE_ID.matcher(new String(payload, StandardCharsets.US_ASCII));
        return m.find() ? m.group(1) : "?";
    }
}
