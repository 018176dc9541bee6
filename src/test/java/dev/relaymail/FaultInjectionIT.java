package dev.relaymail;

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
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.logging.LogFields;
import dev.relaymail.sqs.SqsBatchAdapter;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.ScriptedRelay;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;

/**
 * Faults of a relay and its connection, each scripted at a real SMTP server the handler talks to over STARTTLS:
 * the exact API status or SQS outcome, and what the server received.
 */
class FaultInjectionIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";

    static JsonNode problem(JsonNode answer) throws Exception {
        return JSON.readTree(answer.get("body").asText());
    }

    static void assertAnswer(JsonNode answer, int status, String code) throws Exception {
        assertEquals(status, answer.get("statusCode").asInt(), answer.toString());
        assertEquals(
                "urn:relaymail:problem:" + code, problem(answer).get("type").asText(), answer.toString());
    }

    static Harness harness(ScriptedRelay relay) {
        return new Harness(relay, "u", "p")
                .with("SMTP_CONNECT_TIMEOUT_MS", "1000")
                .with("SMTP_TIMEOUT_MS", "1000");
    }

    static ObjectNode keyed(ObjectNode body, String key) {
        return body.put("idempotencyKey", key);
    }

    @Test
    void connectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (ScriptedRelay unused = new ScriptedRelay();
                Harness h = harness(unused)) {
            h.with("SMTP_PORT", Integer.toString(port));
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
            assertAnswer(answer, 503, "relay_unreachable");
            assertEquals("30", answer.get("headers").get("Retry-After").asText());
            JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "x"), message("bob@example.net", "y"));
            assertEquals(ids(event), failures(h.invoke(event)));
        }
    }

    @Test
    void greetingNeverComes() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay)) {
            relay.on("CONNECT", c -> new ScriptedRelay.Silence());
            assertAnswer(h.invoke(restEvent(message("ann@example.org", "x"))), 503, "relay_unreachable");
            assertEquals(List.of(), relay.commands());
        }
    }

    @Test
    void slowRcptPastTheTimeout() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay)) {
            relay.on("RCPT", c -> new ScriptedRelay.Silence());
            assertAnswer(h.invoke(restEvent(message("ann@example.org", "x"))), 503, "relay_unreachable");
            assertEquals(0, relay.count("DATA"));
        }
    }

    @Test
    void a421MidBatchGetsOneFreshConnectionAndTheBatchGoesOn() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay).with("SMTP_CONNECTIONS", "1")) {
            relay.on("MAIL", c -> c.occurrence() == 1 ? reply("421 4.3.2 Service shutting down") : null);
            JsonNode event = sqsEvent(
                    QUEUE, message("a@example.org", "1"), message("b@example.org", "2"), message("c@example.org", "3"));

            assertEquals(List.of(), failures(h.invoke(event)));
            assertEquals(3, relay.payloads().size());
            assertEquals(2, relay.connections());
        }
    }

    @Test
    void a421OnTheFreshConnectionTooIsReportedForRetry() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay).with("SMTP_CONNECTIONS", "1")) {
            relay.on("MAIL", c -> c.occurrence() < 2 ? reply("421 4.3.2 Service shutting down") : null);
            JsonNode event = sqsEvent(QUEUE, message("a@example.org", "1"), message("b@example.org", "2"));

            assertEquals(List.of(ids(event).get(0)), failures(h.invoke(event)));
            assertEquals(1, relay.payloads().size(), "the second record, on a third connection");
            JsonNode answer = h.invoke(restEvent(message("c@example.org", "3")));
            assertEquals(202, answer.get("statusCode").asInt());
        }
    }

    @Test
    void transientRepliesAtRcpt() throws Exception {
        for (int code : new int[] {450, 451, 452}) {
            try (ScriptedRelay relay = new ScriptedRelay();
                    Harness h = harness(relay)) {
                relay.on("RCPT", c -> reply(code + " 4.2.0 try again later"));
                JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
                assertAnswer(answer, 503, "relay_deferred");
                assertEquals(code, problem(answer).get("smtpCode").asInt());
                JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "x"));
                assertEquals(ids(event), failures(h.invoke(event)), "code " + code);
                assertEquals(List.of(), relay.payloads());
                assertEquals(0, h.deadLetters().size());
            }
        }
    }

    @Test
    void a454AtAuthIsTransientAndDoesNotRereadTheSecret() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay)) {
            relay.on("AUTH", c -> reply("454 4.7.0 Temporary authentication failure"));
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
            assertAnswer(answer, 503, "relay_auth_failed");
            assertEquals(1, relay.count("AUTH"), "a temporary failure is not a rotated secret");
            assertEquals(0, relay.count("MAIL"));
        }
    }

    @Test
    void a550ForOneOfThreeRecipientsSendsToNoneAndIsPermanent() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay)) {
            relay.on("RCPT", c -> c.line().contains("bob@") ? reply("550 5.1.1 <bob@example.net>: unknown") : null);
            ObjectNode request = message("ann@example.org", "x");
            request.putArray("cc").add("bob@example.net").add("carol@example.org");

            JsonNode answer = h.invoke(restEvent(request));
            assertAnswer(answer, 502, "relay_rejected");
            assertEquals(550, problem(answer).get("smtpCode").asInt());
            assertTrue(problem(answer).get("detail").asText().contains("b***@example.net"));
            assertEquals(3, relay.count("RCPT"));
            assertEquals(List.of(), relay.payloads(), "all recipients or none");

            JsonNode event = sqsEvent(QUEUE, request);
            assertEquals(List.of(), failures(h.invoke(event)));
            assertEquals(
                    "550",
                    h.deadLetters().get(0).messageAttributes().get("smtpCode").stringValue());
        }
    }

    @Test
    void a552ForTheSizeIsPermanent() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay)) {
            relay.on("DOT", c -> reply("552 5.3.4 Message size exceeds fixed limit"));
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
            assertAnswer(answer, 502, "relay_rejected");
            assertEquals(552, problem(answer).get("smtpCode").asInt());
            assertEquals(1, relay.payloads().size(), "the relay read the data and refused it");
        }
    }

    @Test
    void a535ThenSuccessSendsAfterReadingTheSecretAgain() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay)) {
            relay.on("AUTH", c -> c.occurrence() == 0 ? reply("535 5.7.8 Authentication credentials invalid") : null);
            assertEquals(
                    202,
                    h.invoke(restEvent(message("ann@example.org", "x")))
                            .get("statusCode")
                            .asInt());
            assertEquals(2, relay.count("AUTH"));
            assertEquals(2, relay.connections());
            assertEquals(1, relay.payloads().size());
        }
    }

    @Test
    void aConnectionDroppedDuringDataIsTransientAndKnownNotDelivered() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay)) {
            relay.on("DATA", c -> new ScriptedRelay.DropDuringData());
            ObjectNode big = message("ann@example.org", "big");
            big.putArray("attachments")
                    .addObject()
                    .put("filename", "big.bin")
                    .put("content", Base64.getEncoder().encodeToString(new byte[4_000_000]));

            JsonNode answer = h.invoke(restEvent(big));
            assertAnswer(answer, 503, "relay_unreachable");
            assertEquals(List.of(), relay.payloads());

            JsonNode event = sqsEvent(QUEUE, big);
            assertEquals(ids(event), failures(h.invoke(event)));
        }
    }

    @Test
    void aConnectionDroppedAfterTheFinalDotIsAnUnknownOutcome() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = harness(relay)) {
            relay.on("DOT", c -> new ScriptedRelay.Drop());

            JsonNode unkeyed = h.invoke(restEvent(message("ann@example.org", "x")));
            assertAnswer(unkeyed, 502, "relay_outcome_unknown");
            assertTrue(problem(unkeyed).get("detail").asText().contains("Idempotency-Key"));
            assertEquals(false, problem(unkeyed).get("retryable").asBoolean(), "without a key a retry may duplicate");

            JsonNode keyedAnswer = h.invoke(restEvent(keyed(message("ann@example.org", "x"), "k-1")));
            assertAnswer(keyedAnswer, 503, "relay_outcome_unknown");
            assertEquals(true, problem(keyedAnswer).get("retryable").asBoolean());

            JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "x"));
            assertEquals(ids(event), failures(h.invoke(event)), "retried under its message id");
            assertEquals(3, relay.payloads().size(), "the relay did receive each of them");
        }
    }

    /**
     * Ten records of 600 ms each (the relay stalls at the end of the data) in an invocation of 4 s: the records the
     * invocation has no time left for are reported without being tried, the branch the batch logs, and the answer
     * comes at the time the function works to (the invocation's less SAFETY_MARGIN: held to a second past it, which
     * sending all ten, 6 s, would not be). How many are sent depends on how fast the machine runs, and is only held
     * to what cannot vary: the first is sent, and at most five are begun (each takes 600 ms at least, and none is
     * begun with less than a second of the 3.5 s the function works to). A record begun with a second left is
     * normally done by then; one cut off at the deadline on a very slow machine is reported for retry with the rest,
     * so only the last record tried may have been cut off.
     */
    @Test
    void aBatchThatRunsOutOfTimeReportsTheRestInsteadOfBeingCutOff() throws Exception {
        Logger batchLog = Logger.getLogger(SqsBatchAdapter.class.getName());
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new StreamHandler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel() == Level.WARNING) {
                    warnings.add(record);
                }
            }
        };
        batchLog.addHandler(capture);
        try (ScriptedRelay relay = new ScriptedRelay();
                // the deadline ends a record, not this class's 1 s read timeout (400 ms more than the stall)
                Harness h = harness(relay).with("SMTP_CONNECTIONS", "1").with("SMTP_TIMEOUT_MS", "10000")) {
            relay.on("DOT", c -> {
                try {
                    Thread.sleep(600);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            ObjectNode[] bodies = new ObjectNode[10];
            for (int i = 0; i < bodies.length; i++) {
                bodies[i] = message("r" + i + "@example.org", "m" + i);
            }
            JsonNode event = sqsEvent(QUEUE, bodies);
            MailHandler container = h.newContainer();
            Duration invocation = Duration.ofSeconds(4);

            long start = System.nanoTime();
            List<String> reported = failures(Harness.invoke(
                    container, event.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), invocation));
            long millis = (System.nanoTime() - start) / 1_000_000;

            List<String> ids = ids(event);
            int sent = ids.size() - reported.size();
            assertEquals(ids.subList(sent, ids.size()), reported, "every record not sent is reported, in order");
            assertTrue(sent >= 1 && sent <= 5, "sent " + sent);
            int tried = relay.count("MAIL");
            assertTrue(
                    tried == sent || tried == sent + 1,
                    tried + " records tried, " + sent + " sent: only the last one tried may have been cut off");
            assertTrue(relay.accepted().size() >= sent, "the relay took every record answered as sent");
            List<Object> reasons = warnings.stream()
                    .filter(r -> r.getMessage().startsWith("reported the rest of the batch"))
                    .map(r -> ((LogFields) r.getParameters()[0]).asMap().get("reason"))
                    .toList();
            assertEquals(
                    List.of("no time left in this invocation"), reasons, "the rest was not tried for lack of time");
            long worksTo = invocation.minus(MailHandler.SAFETY_MARGIN).toMillis();
            assertTrue(
                    millis < worksTo + 1000,
                    "answered after " + millis + " ms: not within a second of the " + worksTo + " ms the function "
                            + "works to (the invocation's time less SAFETY_MARGIN); all ten records take 6 s");
        } finally {
            batchLog.removeHandler(capture);
        }
    }
}
