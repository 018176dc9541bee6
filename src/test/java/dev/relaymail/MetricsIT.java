package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.sqsEvent;
import static dev.relaymail.testing.ScriptedRelay.reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.logging.JsonLogFormatter;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.ScriptedRelay;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;

/** One Embedded Metric Format line per invocation, counting what became of each message, and one log line each. */
class MetricsIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";

    @Test
    void countsSentTransientPermanentUnknownAndDuplicates() throws Exception {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        Handler capture = new StreamHandler(lines, new JsonLogFormatter());
        capture.setLevel(Level.ALL);
        Logger relaymail = Logger.getLogger("dev.relaymail");
        relaymail.addHandler(capture);
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p").with("SMTP_CONNECTIONS", "1")) {
            h.withIdempotency();
            relay.on(
                    "RCPT",
                    c -> c.line().contains("busy@")
                            ? reply("451 4.3.0 later")
                            : c.line().contains("gone@") ? reply("550 5.1.1 unknown") : null);
            relay.on("DOT", c -> c.occurrence() == 2 ? new ScriptedRelay.Drop() : null);
            JsonNode first = sqsEvent(QUEUE, message("a@example.org", "sent 1"), message("b@example.org", "sent 2"));
            h.invoke(first);
            JsonNode second = sqsEvent(
                    QUEUE,
                    message("busy@example.org", "transient"),
                    message("gone@example.org", "permanent"),
                    message("c@example.org", "unknown"));
            ((com.fasterxml.jackson.databind.node.ArrayNode) second.get("Records"))
                    .add(first.get("Records").get(0));
            h.invoke(second);
        } finally {
            capture.flush();
            relaymail.removeHandler(capture);
        }
        List<JsonNode> metrics = new ArrayList<>();
        List<JsonNode> outcomes = new ArrayList<>();
        for (String line : lines.toString(StandardCharsets.UTF_8).split("\n")) {
            JsonNode json = JSON.readTree(line);
            if (json.has("_aws")) {
                metrics.add(json);
            } else if (json.path("logger").asText().equals("dev.relaymail.outcome")) {
                outcomes.add(json);
            }
        }

        assertEquals(2, metrics.size(), "one line per invocation");
        JsonNode directive = metrics.get(1).at("/_aws/CloudWatchMetrics/0");
        assertEquals("relaymail", directive.path("Namespace").asText());
        assertEquals("[[\"Trigger\"]]", directive.path("Dimensions").toString());
        assertEquals(
                List.of(
                        "Sent",
                        "TransientFailures",
                        "PermanentFailures",
                        "UnknownOutcomes",
                        "DuplicatesSuppressed",
                        "SendLatency",
                        "Throttled",
                        "RelayUnreachable",
                        "RelayLoginFailures",
                        "Deferred",
                        "GaveUp",
                        "VisibilityNotChanged",
                        "EventsNotPublished"),
                directive.path("Metrics").findValuesAsText("Name"));
        assertTrue(metrics.get(1).at("/_aws/Timestamp").asLong() > 0);
        assertEquals("sqs", metrics.get(1).path("Trigger").asText());
        assertEquals(2, metrics.get(0).path("Sent").asInt());
        assertEquals(2, metrics.get(0).path("SendLatency").size());
        JsonNode second = metrics.get(1);
        assertEquals(0, second.path("Sent").asInt());
        assertEquals(1, second.path("TransientFailures").asInt());
        assertEquals(1, second.path("PermanentFailures").asInt());
        assertEquals(1, second.path("UnknownOutcomes").asInt());
        assertEquals(1, second.path("DuplicatesSuppressed").asInt());
        assertEquals(2, second.path("Deferred").asInt(), "the transient and the unknown go back to the queue");
        assertEquals(0, second.path("Throttled").asInt(), "451 4.3.0 is not the relay's limit");
        assertEquals(0, second.path("GaveUp").asInt());

        // the records of a batch go at once over the connection, each logged when it is done: in any order
        assertEquals(
                List.of("accepted", "accepted", "duplicate", "permanent", "transient", "unknown"),
                outcomes.stream().map(o -> o.path("outcome").asText()).sorted().toList());
        for (JsonNode outcome : outcomes) {
            for (String field : List.of("requestId", "sqsMessageId", "outcome", "recipientCount", "durationMs")) {
                assertTrue(outcome.has(field), field + " in " + outcome);
            }
        }
        assertTrue(outcome(outcomes, "accepted").has("messageId")
                && outcome(outcomes, "accepted").has("bytes"));
        assertEquals(550, outcome(outcomes, "permanent").path("smtpCode").asInt());
        assertTrue(
                outcome(outcomes, "unknown").path("messageId").asText().startsWith("<"),
                "failed sends name their Message-ID");
        assertEquals(
                "dead_letter",
                outcome(outcomes, "permanent").path("disposition").asText());
    }

    private static JsonNode outcome(List<JsonNode> outcomes, String outcome) {
        return outcomes.stream()
                .filter(o -> o.path("outcome").asText().equals(outcome))
                .findFirst()
                .orElseThrow();
    }
}
