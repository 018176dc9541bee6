package dev.relaymail;

import static dev.relaymail.ApiAnswersIT.assertProblem;
import static dev.relaymail.ApiAnswersIT.body;
import static dev.relaymail.SecurityIT.parse;
import static dev.relaymail.SqsBatchIT.attribute;
import static dev.relaymail.testing.Harness.failures;
import static dev.relaymail.testing.Harness.httpApiEvent;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.Moto;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Attachments by reference to moto_server's S3, through the real handler from the API and from SQS. */
class StoredAttachmentsIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";
    private final S3Client s3 = Moto.s3();
    private final String bucket = Moto.bucket("attachments");

    private byte[] upload(String key, int size) {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
        return content;
    }

    private ObjectNode withReference(String key) {
        ObjectNode body = message("ann@example.org", "Your report");
        body.putArray("attachments").addObject().put("s3", "s3://" + bucket + "/" + key);
        return body;
    }

    private Harness harness() {
        return new Harness().with("ATTACHMENT_BUCKETS", "some-other-bucket," + bucket);
    }

    private static BodyPart attachment(byte[] data) throws Exception {
        MimeMessage m = parse(data);
        return ((Multipart) m.getContent()).getBodyPart(1);
    }

    @Test
    void sendsAnObjectLargerThanAnSqsMessageCanHoldFromTheQueue() throws Exception {
        byte[] report = upload("reports/2026/q3.pdf", 1_500_000);
        try (Harness h = harness()) {
            JsonNode response = h.invoke(sqsEvent(QUEUE, withReference("reports/2026/q3.pdf")));

            assertEquals(List.of(), failures(response));
            BodyPart part = attachment(h.relay.received().get(0).data());
            assertEquals("q3.pdf", part.getFileName());
            assertTrue(part.getContentType().startsWith("application/pdf"), part.getContentType());
            assertArrayEquals(report, part.getInputStream().readAllBytes());
        }
    }

    @Test
    void anObjectThatCannotBeReadNowIsAnsweredRetryLaterAndNothingIsSent() throws Exception {
        upload("reports/late.pdf", 1_000);
        try (Harness h = harness()) {
            // too little time left to start the read: S3 counts as unavailable, as when it cannot be reached
            JsonNode answer = h.invoke(
                    httpApiEvent(withReference("reports/late.pdf")).toString().getBytes(StandardCharsets.UTF_8),
                    MailHandler.SAFETY_MARGIN.plusSeconds(3));

            assertProblem(answer, 503, null);
            JsonNode problem = body(answer);
            assertEquals(
                    "urn:relaymail:problem:storage_unavailable",
                    problem.get("type").asText());
            assertTrue(problem.get("retryable").asBoolean());
            assertTrue(answer.get("headers").has("Retry-After"), answer.toString());
            assertEquals(0, h.relay.received().size());
        }
    }

    @Test
    void sendsAnObjectFromTheApiUnderTheGivenFileName() throws Exception {
        byte[] photo = upload("photos/IMG_0001", 300_000);
        try (Harness h = harness()) {
            ObjectNode body = withReference("photos/IMG_0001");
            ((ObjectNode) body.get("attachments").get(0)).put("filename", "beach.jpg");

            JsonNode answer = h.invoke(httpApiEvent(body));

            assertEquals(202, answer.get("statusCode").asInt(), answer.toString());
            BodyPart part = attachment(h.relay.received().get(0).data());
            assertEquals("beach.jpg", part.getFileName());
            assertArrayEquals(photo, part.getInputStream().readAllBytes());
        }
    }

    @Test
    void refusesAnObjectTooLargeForTheMessageBeforeReadingIt() throws Exception {
        upload("big.bin", 300_000);
        try (Harness h = harness().with("MAX_MESSAGE_BYTES", "200000")) {
            JsonNode answer = h.invoke(httpApiEvent(withReference("big.bin")));

            assertProblem(answer, 413, "attachments[0].s3");
            assertTrue(
                    body(answer).toString().contains("is 300000 bytes, more than the 150000 left"), answer.toString());
            assertEquals(0, h.relay.received().size());
        }
    }

    @Test
    void aMissingObjectIsA400AndGoesFromTheQueueToTheDeadLetterQueue() throws Exception {
        try (Harness h = harness()) {
            assertProblem(h.invoke(httpApiEvent(withReference("nothing/here.pdf"))), 400, "attachments[0].s3");

            JsonNode response = h.invoke(sqsEvent(QUEUE, withReference("nothing/here.pdf")));

            assertEquals(List.of(), failures(response));
            String detail = attribute(h.deadLetters().get(0), "detail");
            assertTrue(
                    detail.contains("attachments[0].s3: there is no object s3://" + bucket + "/nothing/here.pdf"),
                    detail);
            assertEquals(0, h.relay.received().size());
        }
    }

    @Test
    void refusesBucketsOutsideTheAllowlist() throws Exception {
        upload("a.pdf", 10);
        try (Harness h = new Harness().with("ATTACHMENT_BUCKETS", "some-other-bucket")) {
            assertProblem(h.invoke(httpApiEvent(withReference("a.pdf"))), 400, "attachments[0].s3");
        }
    }

    @Test
    void aReplayedRequestDoesNotReadTheObjectAgain() throws Exception {
        upload("once.pdf", 1000);
        try (Harness h = harness()) {
            h.withIdempotency();
            ObjectNode body = withReference("once.pdf").put("idempotencyKey", "report-once");
            assertEquals(202, h.invoke(httpApiEvent(body)).get("statusCode").asInt());
            s3.deleteObject(r -> r.bucket(bucket).key("once.pdf"));

            JsonNode again = h.invoke(httpApiEvent(body));

            assertEquals(202, again.get("statusCode").asInt(), again.toString());
            assertEquals("true", again.get("headers").get("Idempotent-Replayed").asText());
            assertEquals(1, h.relay.received().size());
        }
    }
}
