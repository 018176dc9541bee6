package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.restEvent;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.config.Config;
import dev.relaymail.core.Deadline;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.secrets.Credentials;
import dev.relaymail.secrets.CredentialsSource;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.TestContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Dispatch and the last line of defence, without network: the credentials source fails before any connection. */
class MailHandlerTest {
    private static final CredentialsSource BROKEN = new CredentialsSource() {
        @Override
        public Credentials current(Deadline deadline) {
            throw new IllegalStateException("internal detail that must not leak");
        }

        @Override
        public Credentials refresh(Deadline deadline) {
            return current(deadline);
        }
    };

    private static final Config CONFIG = Config.fromEnvironment(
            Map.of("SMTP_HOST", "localhost", "SMTP_SECRET_ID", "unused", "DEFAULT_FROM", "noreply@example.com"));
    private final MailHandler handler = new MailHandler(Components.wire(
            CONFIG,
            new SmtpRelay(CONFIG.relay(), BROKEN),
            BROKEN,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            dev.relaymail.events.DeliveryEvents.none(),
            Clock.systemUTC()));

    private JsonNode invoke(String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, new TestContext());
        return JSON.readTree(out.toByteArray());
    }

    @Test
    void anUnexpectedFailureIs500WithoutInternalDetail() throws IOException {
        JsonNode answer = invoke(restEvent(message("ann@example.org", "x")).toString());
        assertEquals(500, answer.get("statusCode").asInt());
        assertFalse(answer.get("body").asText().contains("internal detail"));
        assertFalse(answer.get("body").asText().contains("IllegalStateException"));
    }

    @Test
    void anUnexpectedFailureInOneRecordReportsThatRecord() throws IOException {
        JsonNode event = sqsEvent("arn:aws:sqs:eu-central-1:123456789012:q", message("ann@example.org", "x"));
        JsonNode answer = invoke(event.toString());
        assertEquals(Harness.ids(event), Harness.failures(answer));
    }

    @Test
    void anEmptyBatchHasNoFailures() throws IOException {
        assertEquals("{\"batchItemFailures\":[]}", invoke("{\"Records\": []}").toString());
    }

    @Test
    void refusesEventsItDoesNotKnow() {
        assertThrows(IllegalArgumentException.class, () -> invoke("{\"detail-type\": \"Scheduled Event\"}"));
        assertThrows(IllegalArgumentException.class, () -> invoke("[]"));
        assertThrows(IllegalArgumentException.class, () -> invoke("{\"Records\": [{\"eventSource\": \"aws:s3\"}]}"));
    }
}
