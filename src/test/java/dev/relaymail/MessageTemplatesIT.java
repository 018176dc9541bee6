package dev.relaymail;

import static dev.relaymail.ApiAnswersIT.assertProblem;
import static dev.relaymail.ApiAnswersIT.body;
import static dev.relaymail.SecurityIT.parse;
import static dev.relaymail.SqsBatchIT.attribute;
import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.failures;
import static dev.relaymail.testing.Harness.httpApiEvent;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.Moto;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** Templated requests through the real handler: bundled and S3 templates, from the API and from SQS. */
class MessageTemplatesIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";

    static ObjectNode welcome(String name) {
        ObjectNode body = JSON.createObjectNode();
        body.put("to", "ada@example.org");
        body.put("template", "welcome");
        ObjectNode data = body.putObject("data");
        data.put("name", name);
        data.put("product", "Acme Cloud");
        data.put("email", "ada@example.org");
        data.put("loginUrl", "https://app.example.com/login");
        return body;
    }

    @Test
    void sendsABundledTemplateWithEscapedHtmlAndAGeneratedTextPart() throws Exception {
        try (Harness h = new Harness()) {
            JsonNode answer = h.invoke(httpApiEvent(welcome("Ada <Lovelace>")));

            assertEquals(202, answer.get("statusCode").asInt(), answer.toString());
            MimeMessage m = parse(h.relay.received().get(0).data());
            assertEquals("Welcome to Acme Cloud, Ada <Lovelace>", m.getSubject());
            Multipart alternative = (Multipart) m.getContent();
            assertTrue(m.getContentType().startsWith("multipart/alternative"), m.getContentType());
            String text = (String) alternative.getBodyPart(0).getContent();
            String html = (String) alternative.getBodyPart(1).getContent();
            assertTrue(text.contains("Welcome, Ada <Lovelace>!"), text);
            assertTrue(text.contains("Sign in (https://app.example.com/login) to get started."), text);
            assertTrue(html.contains("<h1>Welcome, Ada &lt;Lovelace&gt;!</h1>"), html);
        }
    }

    @Test
    void answers400NamingTheMissingVariableAndTheUnknownTemplate() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode missing = welcome("Ada");
            ((ObjectNode) missing.get("data")).remove("product");
            assertProblem(h.invoke(httpApiEvent(missing)), 400, "data.product");

            ObjectNode unknown = welcome("Ada").put("template", "invoice-v9");
            JsonNode answer = h.invoke(httpApiEvent(unknown));
            assertProblem(answer, 400, "template");
            assertTrue(body(answer).toString().contains("no template named invoice-v9"), answer.toString());
            assertEquals(0, h.relay.received().size());
        }
    }

    @Test
    void sqsRecordsUseTemplatesAndOnesThatCannotRenderGoToTheDeadLetterQueue() throws Exception {
        try (Harness h = new Harness()) {
            ObjectNode missing = welcome("Ada");
            ((ObjectNode) missing.get("data")).remove("loginUrl");

            JsonNode response = h.invoke(sqsEvent(QUEUE, welcome("Bob"), missing));

            assertEquals(List.of(), failures(response));
            assertEquals(
                    "Welcome to Acme Cloud, Bob",
                    parse(h.relay.received().get(0).data()).getSubject());
            assertEquals(1, h.relay.received().size());
            String detail = attribute(h.deadLetters().get(0), "detail");
            assertTrue(detail.contains("data.loginUrl: is used by template welcome (html.mustache, line 12)"), detail);
        }
    }

    @Test
    void prefersATemplateFromTheBucketOverTheBundledOne() throws Exception {
        String bucket = Moto.bucket("templates");
        put(bucket, "mail/welcome/subject.mustache", "Hi {{name}}, from S3");
        put(bucket, "mail/welcome/html.mustache", "<p>S3 says hello to {{name}}</p>");
        put(bucket, "mail/receipt/subject.mustache", "Receipt {{number}}");
        put(bucket, "mail/receipt/html.mustache", "<p>Total: {{total}}</p>");
        put(bucket, "mail/receipt/text.mustache", "Total: {{total}}");
        try (Harness h = new Harness().with("TEMPLATE_BUCKET", bucket).with("TEMPLATE_PREFIX", "mail")) {
            JsonNode answer = h.invoke(httpApiEvent(welcome("Ada")));
            ObjectNode receipt =
                    JSON.createObjectNode().put("to", "ada@example.org").put("template", "receipt");
            receipt.putObject("data").put("number", "R-17").put("total", "12.50 EUR");
            JsonNode second = h.invoke(sqsEvent(QUEUE, receipt));

            assertEquals(202, answer.get("statusCode").asInt(), answer.toString());
            assertEquals(List.of(), failures(second));
            assertEquals(
                    "Hi Ada, from S3", parse(h.relay.received().get(0).data()).getSubject());
            MimeMessage m = parse(h.relay.received().get(1).data());
            assertEquals("Receipt R-17", m.getSubject());
            assertEquals(
                    "Total: 12.50 EUR",
                    ((Multipart) m.getContent()).getBodyPart(0).getContent());
        }
    }

    private static void put(String bucket, String key, String content) {
        Moto.s3().putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(content));
    }
}
