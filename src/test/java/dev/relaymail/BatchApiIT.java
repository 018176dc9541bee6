package dev.relaymail;

import static dev.relaymail.ApiAnswersIT.assertProblem;
import static dev.relaymail.ApiAnswersIT.body;
import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.ScriptedRelay;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;

/** {@code POST /messages/batch} through the real handler: one result per message, in order, over one connection. */
class BatchApiIT {

    static ObjectNode batch(JsonNode... messages) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("messages");
        for (JsonNode m : messages) {
            list.add(m);
        }
        return body;
    }

    /** The HTTP API sample, routed to the batch path. */
    static ObjectNode httpApiBatch(JsonNode body) {
        ObjectNode event = Harness.httpApiEvent(body);
        event.put("rawPath", "/messages/batch");
        event.put("routeKey", "POST /messages/batch");
        return event;
    }

    @Test
    void answers207WithOneResultPerMessageInOrder() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode invalid = message("not-an-address", "Second");
            JsonNode answer = h.invoke(httpApiBatch(
                    batch(message("ann@example.org", "First"), invalid, message("bob@example.org", "Third"))));

            assertEquals(207, answer.get("statusCode").asInt(), answer.toString());
            JsonNode body = body(answer);
            assertEquals(2, body.get("accepted").asInt());
            assertEquals(1, body.get("failed").asInt());
            JsonNode results = body.get("results");
            assertEquals(202, results.get(0).get("status").asInt());
            assertEquals(0, results.get(0).get("index").asInt());
            assertEquals(400, results.get(1).get("status").asInt());
            assertEquals("to", results.get(1).get("errors").get(0).get("field").asText());
            assertEquals(
                    "urn:relaymail:problem:invalid_request",
                    results.get(1).get("type").asText());
            assertEquals(202, results.get(2).get("status").asInt());
            assertEquals(2, h.relay.received().size());
            String first = new String(h.relay.received().get(0).data(), StandardCharsets.US_ASCII);
            assertTrue(
                    first.contains(
                            "Message-ID: " + results.get(0).get("messageId").asText()),
                    first);
            assertEquals(1, h.relay.connections(), "one relay connection for the whole batch");
        }
    }

    @Test
    void theRestApiRouteWorksToo() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode event = Harness.restEvent(batch(message("ann@example.org", "One")));
            event.put("path", "/messages/batch");
            event.put("resource", "/messages/batch");

            JsonNode answer = h.invoke(event);

            assertEquals(207, answer.get("statusCode").asInt(), answer.toString());
            assertEquals(1, h.relay.received().size());
        }
    }

    @Test
    void aBatchIdempotencyKeyMakesRetryingTheWholeBatchSafe() throws Exception {
        try (Harness h = new Harness()) {
            h.withIdempotency();
            ObjectNode own = message("bob@example.org", "Own key").put("idempotencyKey", "bob-1");
            ObjectNode event = httpApiBatch(batch(message("ann@example.org", "Derived key"), own));
            ((ObjectNode) event.get("headers")).put("idempotency-key", "batch-2026-11-26");

            JsonNode first = body(h.invoke(event));
            JsonNode again = body(h.invoke(event));

            assertEquals(2, h.relay.received().size(), "nothing sent twice");
            for (int i = 0; i < 2; i++) {
                assertFalse(first.get("results").get(i).has("replayed"));
                assertTrue(again.get("results").get(i).get("replayed").asBoolean(), again.toString());
                assertEquals(
                        first.get("results").get(i).get("messageId"),
                        again.get("results").get(i).get("messageId"));
            }
        }
    }

    /** Every message is read before any is sent: one that is invalid is answered 400 whatever the relay does. */
    @Test
    void onceTheRelayIsDownTheRestIsNotTriedButEachInvalidMessageIsAnswered400() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "user", "secret").with("SMTP_CONNECTIONS", "1")) {
            relay.on("EHLO", c -> new ScriptedRelay.Drop());

            JsonNode body = body(h.invoke(httpApiBatch(batch(
                    message("ann@example.org", "1"),
                    message("not-an-address", "2"),
                    message("carl@example.org", "3"),
                    message("dora@example.org", ""),
                    message("emil@example.org", "5")))));

            JsonNode results = body.get("results");
            assertEquals(503, results.get(0).get("status").asInt(), body.toString());
            assertTrue(results.get(0).get("retryable").asBoolean());
            for (int i : new int[] {2, 4}) {
                assertEquals(503, results.get(i).get("status").asInt());
                assertEquals(
                        "urn:relaymail:problem:not_attempted",
                        results.get(i).get("type").asText());
                assertTrue(results.get(i).get("retryable").asBoolean());
            }
            for (int i : new int[] {1, 3}) {
                assertEquals(400, results.get(i).get("status").asInt(), body.toString());
                assertFalse(results.get(i).get("retryable").asBoolean(), "retrying an invalid message cannot help");
            }
            assertEquals("to", results.get(1).get("errors").get(0).get("field").asText());
            assertEquals(
                    "subject", results.get(3).get("errors").get(0).get("field").asText());
            assertEquals(0, body.get("accepted").asInt());
            assertEquals(5, body.get("failed").asInt());
        }
    }

    @Test
    void messagesTheInvocationHasLessThanASecondLeftForAreNotTried() throws Exception {
        Logger log = Logger.getLogger("dev.relaymail.api.BatchSending");
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new StreamHandler() {
            @Override
            public void publish(LogRecord record) {
                warnings.add(record);
            }
        };
        log.addHandler(capture);
        try (Harness h = new Harness()) {
            byte[] event = httpApiBatch(batch(
                            message("ann@example.org", "1"),
                            message("bob@example.org", "2"),
                            message("not-an-address", "3")))
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);

            JsonNode body = body(h.invoke(event, MailHandler.SAFETY_MARGIN.plusMillis(900)));

            assertEquals(1, warnings.size(), "one warning says the rest of the batch was not tried");
            assertEquals(Level.WARNING, warnings.get(0).getLevel());

            JsonNode invalid = ((ArrayNode) body.get("results")).remove(2);
            assertEquals(400, invalid.get("status").asInt(), "an invalid message needs no time to be answered");
            for (JsonNode result : body.get("results")) {
                assertEquals(503, result.get("status").asInt(), body.toString());
                assertEquals(
                        "urn:relaymail:problem:not_attempted",
                        result.get("type").asText());
                assertTrue(result.get("retryable").asBoolean());
            }
            assertEquals(3, body.get("failed").asInt());
            assertEquals(0, h.relay.connections(), "nothing was tried");
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void aBatchIdempotencyKeyThatIsNoValidKeyRefusesTheBatchAndSendsNothing() throws Exception {
        try (Harness h = new Harness()) {
            h.withIdempotency();
            ObjectNode event = httpApiBatch(batch(message("ann@example.org", "x")));
            ((ObjectNode) event.get("headers")).put("idempotency-key", "k".repeat(300));

            assertProblem(h.invoke(event), 400, "Idempotency-Key");
            assertEquals(0, h.relay.received().size());
        }
    }

    @Test
    void refusesAnEmptyOrOversizedBatchAsAWhole() throws Exception {
        try (Harness h = new Harness()) {
            assertProblem(h.invoke(httpApiBatch(batch())), 400, "messages");
            JsonNode[] many = new JsonNode[101];
            java.util.Arrays.fill(many, message("ann@example.org", "x"));
            JsonNode answer = h.invoke(httpApiBatch(batch(many)));
            assertProblem(answer, 400, "messages");
            assertTrue(body(answer).toString().contains("too many messages: 101 (limit 100 per batch)"));
            assertEquals(0, h.relay.received().size());
        }
    }
}
