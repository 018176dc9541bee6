package dev.relaymail;

import static dev.relaymail.FaultInjectionIT.assertAnswer;
import static dev.relaymail.FaultInjectionIT.harness;
import static dev.relaymail.FaultInjectionIT.problem;
import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.failures;
import static dev.relaymail.testing.Harness.ids;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.restEvent;
import static dev.relaymail.testing.Harness.sqsEvent;
import static dev.relaymail.testing.ScriptedRelay.reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.logging.JsonLogFormatter;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.ScriptedRelay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code SMTP_HOST} with a primary and a backup relay, each a real SMTP server with STARTTLS: which faults of the
 * primary move the message to the backup, which do not, and what the handler answers.
 */
class RelayFailoverIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";

    /** A handler whose SMTP_HOST lists the primary's port, then the backup's. */
    static Harness failover(int primaryPort, ScriptedRelay backup) {
        return harness(backup).with("SMTP_HOST", "localhost:" + primaryPort + ",localhost:" + backup.port());
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aPrimaryThatRefusesConnectionsSendsTheMessageToTheBackup() throws Exception {
        List<JsonNode> outcomes;
        try (ScriptedRelay backup = new ScriptedRelay();
                Harness h = failover(closedPort(), backup);
                OutcomeLines lines = new OutcomeLines()) {
            assertEquals(
                    202,
                    h.invoke(restEvent(message("ann@example.org", "x")))
                            .get("statusCode")
                            .asInt());
            assertEquals(1, backup.accepted().size());
            outcomes = lines.read();
            assertEquals(
                    "localhost:" + backup.port(), outcomes.get(0).path("relay").asText(), outcomes.toString());
        }
        assertEquals("accepted", outcomes.get(0).path("outcome").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"CONNECT", "MAIL"})
    void a421FromThePrimarySendsTheMessageToTheBackup(String verb) throws Exception {
        try (ScriptedRelay primary = new ScriptedRelay();
                ScriptedRelay backup = new ScriptedRelay();
                Harness h = failover(primary.port(), backup)) {
            primary.on(verb, c -> reply("421 4.3.2 Service shutting down"));

            assertEquals(
                    202,
                    h.invoke(restEvent(message("ann@example.org", "x")))
                            .get("statusCode")
                            .asInt());
            JsonNode event = sqsEvent(QUEUE, message("bob@example.org", "y"));
            assertEquals(List.of(), failures(h.invoke(event)));

            assertEquals(List.of(), primary.payloads(), "no content reached the primary (DATA may be pipelined)");
            assertEquals(2, backup.accepted().size());
        }
    }

    /**
     * A 5xx is permanent: another relay would refuse it too. Another 4xx than 421 is this relay asking to retry later
     * (greylisting, a full mailbox), which another relay would not mend for the recipient: it stays transient here.
     */
    @ParameterizedTest
    @CsvSource({
        "'550 5.1.1 <ann@example.org>: unknown user', 502, relay_rejected, dead_letter",
        "'451 4.7.1 greylisted, try again later', 503, relay_deferred, retry"
    })
    void aRefusedRecipientStaysWithThePrimaryAndNeverReachesTheBackup(
            String reply, int status, String code, String sqsOutcome) throws Exception {
        try (ScriptedRelay primary = new ScriptedRelay();
                ScriptedRelay backup = new ScriptedRelay();
                Harness h = failover(primary.port(), backup)) {
            primary.on("RCPT", c -> reply(reply));

            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
            assertAnswer(answer, status, code);
            assertEquals(reply.substring(0, 3), problem(answer).get("smtpCode").asText());
            JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "y"));
            boolean deadLetter = sqsOutcome.equals("dead_letter");
            assertEquals(deadLetter ? List.of() : ids(event), failures(h.invoke(event)));
            assertEquals(deadLetter ? 1 : 0, h.deadLetters().size());

            assertEquals(0, backup.connections());
        }
    }

    /** The reply to the final dot lost to a dropped connection, or to a broken TLS record in its place. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aReplyLostAfterTheFinalDotAtThePrimaryIsUnknownAndNotSentAgainElsewhere(boolean brokenTls) throws Exception {
        try (ScriptedRelay primary = new ScriptedRelay();
                ScriptedRelay backup = new ScriptedRelay();
                Harness h = failover(primary.port(), backup)) {
            primary.on("DOT", c -> brokenTls ? new ScriptedRelay.BrokenTls() : new ScriptedRelay.Drop());

            assertAnswer(h.invoke(restEvent(message("ann@example.org", "x"))), 502, "relay_outcome_unknown");
            JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "y"));
            assertEquals(ids(event), failures(h.invoke(event)), "retried later, under its message id");

            assertEquals(2, primary.accepted().size());
            assertEquals(0, backup.connections());
        }
    }

    @Test
    void whenBothRelaysAreDownTheAnswerIs503AndSaysBothWereTried() throws Exception {
        String backup = "localhost:" + closedPort();
        try (ScriptedRelay unused = new ScriptedRelay();
                OutcomeLines lines = new OutcomeLines();
                Harness h = harness(unused).with("SMTP_HOST", "localhost:" + closedPort() + "," + backup)) {
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));

            assertAnswer(answer, 503, "relay_unreachable");
            assertTrue(
                    problem(answer).get("detail").asText().startsWith("all 2 relays were tried and failed"),
                    answer.toString());
            assertEquals(true, problem(answer).get("retryable").asBoolean());
            assertEquals(backup, lines.read().get(0).path("relay").asText(), "the outcome names the last relay");
            JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "x"), message("bob@example.net", "y"));
            assertEquals(ids(event), failures(h.invoke(event)));
        }
    }

    /** The outcome lines logged while it is open, as JSON. */
    static final class OutcomeLines implements AutoCloseable {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Handler handler = new StreamHandler(bytes, new JsonLogFormatter());
        private final Logger logger = Logger.getLogger("dev.relaymail.outcome");

        OutcomeLines() {
            handler.setLevel(Level.ALL);
            logger.addHandler(handler);
        }

        List<JsonNode> read() throws IOException {
            handler.flush();
            List<JsonNode> lines = new ArrayList<>();
            for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
                lines.add(JSON.readTree(line));
            }
            return lines;
        }

        @Override
        public void close() {
            logger.removeHandler(handler);
        }
    }
}
