package dev.relaymail;

import static dev.relaymail.ApiAnswersIT.assertProblem;
import static dev.relaymail.SecurityIT.parse;
import static dev.relaymail.testing.Harness.failures;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.restEvent;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One-click unsubscribe (RFC 8058) through the real handler, as the relay receives it. */
class UnsubscribeIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";

    private static ObjectNode newsletter() {
        ObjectNode body = message("ann@example.org", "November news");
        body.putObject("unsubscribe")
                .put("url", "https://news.example.com/unsubscribe?u=ann%40example.org&s=8f3a")
                .put("mailto", "unsubscribe@example.com");
        return body;
    }

    private static void assertOneClick(byte[] data) throws Exception {
        MimeMessage m = parse(data);
        assertEquals(
                "<https://news.example.com/unsubscribe?u=ann%40example.org&s=8f3a>, "
                        + "<mailto:unsubscribe@example.com>",
                MimeUtility.unfold(m.getHeader("List-Unsubscribe", null)));
        assertEquals("List-Unsubscribe=One-Click", m.getHeader("List-Unsubscribe-Post", null));
    }

    @Test
    void addsTheOneClickHeadersToAMessageFromTheApi() throws Exception {
        try (Harness h = new Harness()) {
            assertEquals(
                    202, h.invoke(restEvent(newsletter())).get("statusCode").asInt());
            assertOneClick(h.relay.received().get(0).data());
        }
    }

    @Test
    void addsTheOneClickHeadersToAMessageFromTheQueue() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode response = h.invoke(sqsEvent(QUEUE, newsletter()));
            assertEquals(List.of(), failures(response));
            assertOneClick(h.relay.received().get(0).data());
        }
    }

    @Test
    void refusesAPlainHttpUrlNamingTheField() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode body = newsletter();
            ((ObjectNode) body.get("unsubscribe")).put("url", "http://news.example.com/u");
            assertProblem(h.invoke(restEvent(body)), 400, "unsubscribe.url");
            assertEquals(0, h.relay.received().size());
        }
    }
}
