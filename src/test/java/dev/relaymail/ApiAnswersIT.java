package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.httpApiEvent;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.restEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.TestRelay;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The API answers of DESIGN "Answers", through the real handler and real peers. */
class ApiAnswersIT {

    static JsonNode body(JsonNode answer) throws IOException {
        return JSON.readTree(answer.get("body").asText());
    }

    static void assertProblem(JsonNode answer, int status, String field) throws IOException {
        assertEquals(status, answer.get("statusCode").asInt(), answer.toString());
        assertEquals(
                "application/problem+json",
                answer.get("headers").get("Content-Type").asText());
        JsonNode problem = body(answer);
        assertEquals(status, problem.get("status").asInt());
        assertTrue(problem.get("type").asText().startsWith("urn:relaymail:problem:"));
        if (field != null) {
            assertTrue(problem.get("errors").findValuesAsText("field").contains(field), problem.toString());
        }
    }

    @Test
    void answers202WithTheMessageIdOfTheDeliveredMessage() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "Hello")));

            assertEquals(202, answer.get("statusCode").asInt());
            JsonNode body = body(answer);
            assertEquals("accepted", body.get("status").asText());
            assertEquals(1, body.get("recipients").asInt());
            String delivered = new String(h.relay.received().get(0).data(), StandardCharsets.US_ASCII);
            assertTrue(delivered.contains("Message-ID: " + body.get("messageId").asText() + "\r\n"), delivered);
        }
    }

    @Test
    void httpApiEventsWorkTooIncludingBase64Bodies() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode event = httpApiEvent(message("ann@example.org", "Grüße"));
            event.put(
                    "body",
                    Base64.getEncoder()
                            .encodeToString(event.get("body").asText().getBytes(StandardCharsets.UTF_8)));
            event.put("isBase64Encoded", true);

            assertEquals(202, h.invoke(event).get("statusCode").asInt());
            assertEquals(1, h.relay.received().size());
        }
    }

    @Test
    void answers400NamingEveryField() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode bad = message("not-an-address", "");
            bad.put("colour", "blue");
            JsonNode answer = h.invoke(restEvent(bad));

            assertProblem(answer, 400, "to");
            JsonNode problem = body(answer);
            assertEquals(3, problem.get("errors").size(), problem.toString());
            assertFalse(problem.get("retryable").asBoolean());
            assertEquals(0, h.relay.received().size());
        }
    }

    @Test
    void answers400ForABodyThatIsNotJson() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode event = restEvent(message("a@example.org", "x"));
            event.put("body", "to=ann@example.org");
            assertProblem(h.invoke(event), 400, "body");
        }
    }

    @Test
    void answers403ForASenderOutsideTheAllowlist() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x").put("from", "ceo@evil.example")));
            assertProblem(answer, 403, "from");
            assertTrue(body(answer).get("detail").asText().contains("ceo@evil.example"));
            assertEquals(0, h.relay.authAttempts(), "nothing reaches the relay");
        }
    }

    @Test
    void answers413ForARequestOverTheLimit() throws Exception {
        try (Harness h = new Harness().with("MAX_MESSAGE_BYTES", "2048")) {
            ObjectNode big = message("ann@example.org", "x").put("text", "y".repeat(4000));
            assertProblem(h.invoke(restEvent(big)), 413, "body");
        }
    }

    @Test
    void answers413ForAComposedMessageOverTheLimit() throws Exception {
        try (Harness h = new Harness().with("MAX_MESSAGE_BYTES", "2048")) {
            ObjectNode big = message("ann@example.org", "x");
            big.putArray("attachments")
                    .addObject()
                    .put("filename", "a.bin")
                    .put("content", Base64.getEncoder().encodeToString(new byte[1200]));
            assertProblem(h.invoke(restEvent(big)), 413, "message");
        }
    }

    @Test
    void answers415ForAnotherContentType() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode event = restEvent(message("ann@example.org", "x"));
            ((ObjectNode) event.get("headers")).put("Content-Type", "text/plain");
            assertProblem(h.invoke(event), 415, null);
        }
    }

    @Test
    void answers405ForAnotherMethod() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode answer =
                    h.invoke(restEvent(message("ann@example.org", "x")).put("httpMethod", "GET"));
            assertProblem(answer, 405, null);
            assertEquals("POST", answer.get("headers").get("Allow").asText());
        }
    }

    @Test
    void answers502WithTheSmtpCodeWhenTheRelayRefusesForGood() throws Exception {
        try (Harness h = new Harness()) {
            h.relay.refuse("gone@example.org", 550);
            JsonNode answer = h.invoke(restEvent(message("gone@example.org", "x")));
            assertProblem(answer, 502, null);
            assertEquals(550, body(answer).get("smtpCode").asInt());
            assertFalse(body(answer).get("retryable").asBoolean());
        }
    }

    @Test
    void answers503WithRetryAfterWhenTheRelayDefers() throws Exception {
        try (Harness h = new Harness()) {
            h.relay.refuse("busy@example.org", 451);
            JsonNode answer = h.invoke(restEvent(message("busy@example.org", "x")));
            assertProblem(answer, 503, null);
            assertEquals(451, body(answer).get("smtpCode").asInt());
            assertTrue(body(answer).get("retryable").asBoolean());
            assertTrue(Integer.parseInt(answer.get("headers").get("Retry-After").asText()) > 0);
        }
    }

    @Test
    void answers503AndSendsNothingToARelayWithoutStartTls() throws Exception {
        try (Harness h = new Harness(TestRelay.withoutStartTls())) {
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
            assertProblem(answer, 503, null);
            assertTrue(body(answer).get("detail").asText().contains("STARTTLS"));
            assertTrue(answer.get("headers").has("Retry-After"));
            assertEquals(0, h.relay.authAttempts());
            assertEquals(0, h.relay.received().size());
        }
    }

    @Test
    void answers503WhenTheCredentialsCannotBeRead() throws Exception {
        try (Harness h = new Harness().with("SMTP_SECRET_ID", "relaymail/test/missing")) {
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
            assertProblem(answer, 503, null);
            assertEquals(
                    "urn:relaymail:problem:credentials_unavailable",
                    body(answer).get("type").asText());
        }
    }
}
