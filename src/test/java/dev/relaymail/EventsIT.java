package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.mime.MessageIds;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.Moto;
import dev.relaymail.testing.TestRelay;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Every sample in {@code events/} through the real handler, configured by {@code events/env.json}, to a relay that
 * requires STARTTLS and AUTH; the test parses what arrived. The samples are also checked to be what Lambda delivers:
 * they deserialise into the official event classes with Lambda's own serialization, and so do the answers.
 */
class EventsIT {
    private static final Set<String> COVERED = Set.of(
            "api-rest-invoice.json",
            "api-http-welcome.json",
            "api-http-template.json",
            "api-http-batch.json",
            "sqs-batch.json",
            "sqs-fifo-batch.json",
            "sqs-s3-attachment.json",
            "env.json");
    /** The files the attachment-by-reference sample refers to, as {@code objects/<bucket>/<key>}. */
    private static final Path OBJECTS = Path.of("events", "objects");

    private static Harness harness(String function) throws IOException {
        Harness h = new Harness();
        JsonNode env =
                JSON.readTree(Files.readString(Path.of("events", "env.json"))).get(function);
        for (String name :
                List.of("DEFAULT_FROM", "ALLOWED_FROM", "MAX_RECIPIENTS", "MAX_MESSAGE_BYTES", "ATTACHMENT_BUCKETS")) {
            h.with(name, env.get(name).asText());
        }
        return h;
    }

    private static byte[] eventBytes(String name) throws IOException {
        return Files.readAllBytes(Path.of("events", name));
    }

    private static JsonNode invoke(Harness h, String name) throws IOException {
        return h.invoke(eventBytes(name), java.time.Duration.ofSeconds(30));
    }

    private static MimeMessage parse(TestRelay.Received received) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(received.data()));
    }

    private static <T> T lambdaReads(Class<T> type, String json) {
        return LambdaEventSerializers.serializerFor(type, EventsIT.class.getClassLoader())
                .fromJson(json);
    }

    @Test
    void everySampleIsCovered() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("events"))) {
            Set<String> expected = new java.util.HashSet<>(COVERED);
            expected.add(OBJECTS.getFileName().toString());
            assertEquals(expected, files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
    }

    @Test
    void restInvoiceArrivesWithAttachmentInlineImageAndEnvelope() throws Exception {
        String eventJson = Files.readString(Path.of("events", "api-rest-invoice.json"));
        APIGatewayProxyRequestEvent asLambdaSeesIt = lambdaReads(APIGatewayProxyRequestEvent.class, eventJson);
        JsonNode request = JSON.readTree(asLambdaSeesIt.getBody());
        try (Harness h = harness("MailApiFunction")) {
            JsonNode answer = invoke(h, "api-rest-invoice.json");

            APIGatewayProxyResponseEvent response = lambdaReads(APIGatewayProxyResponseEvent.class, answer.toString());
            assertEquals(202, response.getStatusCode());
            String messageId =
                    JSON.readTree(response.getBody()).get("messageId").asText();
            assertEquals(
                    new MessageIds().next(Optional.of("order-1234-receipt"), "example.com"),
                    messageId,
                    "derived from the Idempotency-Key header");

            TestRelay.Received received = h.relay.received().get(0);
            assertEquals("billing@example.com", received.envelopeFrom());
            assertEquals(
                    List.of("ann@example.org", "bob@example.net", "carol@example.org", "audit@example.com"),
                    received.recipients());
            MimeMessage m = parse(received);
            assertEquals(messageId, m.getMessageID());
            assertEquals("Ihre Rechnung – März", m.getSubject());
            assertEquals("Billing", ((InternetAddress) m.getFrom()[0]).getPersonal());
            assertEquals("Ann Müller", ((InternetAddress) m.getRecipients(Message.RecipientType.TO)[0]).getPersonal());
            assertNull(m.getHeader("Bcc"));
            assertEquals("support@example.com", m.getReplyTo()[0].toString());
            assertEquals("2026-11", m.getHeader("X-Campaign", null));

            Multipart mixed = (Multipart) m.getContent();
            Multipart related = (Multipart) mixed.getBodyPart(0).getContent();
            Multipart alternative = (Multipart) related.getBodyPart(0).getContent();
            assertTrue(alternative.getBodyPart(0).isMimeType("text/plain"));
            assertTrue(((String) alternative.getBodyPart(0).getContent()).contains("Rechnung für März"));
            assertTrue(alternative.getBodyPart(1).isMimeType("text/html"));
            BodyPart logo = related.getBodyPart(1);
            assertEquals("<logo>", logo.getHeader("Content-ID")[0]);
            assertEquals(Part.INLINE, logo.getDisposition());
            assertArrayEquals(
                    Base64.getDecoder()
                            .decode(request.get("attachments")
                                    .get(1)
                                    .get("content")
                                    .asText()),
                    logo.getInputStream().readAllBytes());
            BodyPart pdf = mixed.getBodyPart(1);
            assertEquals("rechnung-märz.pdf", pdf.getFileName());
            assertTrue(pdf.isMimeType("application/pdf"));
            assertArrayEquals(
                    Base64.getDecoder()
                            .decode(request.get("attachments")
                                    .get(0)
                                    .get("content")
                                    .asText()),
                    pdf.getInputStream().readAllBytes());
        }
    }

    @Test
    void httpApiWelcomeUsesTheDefaultSender() throws Exception {
        lambdaReads(APIGatewayV2HTTPEvent.class, Files.readString(Path.of("events", "api-http-welcome.json")));
        try (Harness h = harness("MailApiFunction")) {
            JsonNode answer = invoke(h, "api-http-welcome.json");

            assertEquals(
                    202,
                    lambdaReads(APIGatewayV2HTTPResponse.class, answer.toString())
                            .getStatusCode());
            TestRelay.Received received = h.relay.received().get(0);
            assertEquals("noreply@example.com", received.envelopeFrom());
            assertEquals(List.of("dana@example.org"), received.recipients());
            MimeMessage m = parse(received);
            assertEquals("Acme", ((InternetAddress) m.getFrom()[0]).getPersonal());
            assertEquals("Dana Öztürk", ((InternetAddress) m.getRecipients(Message.RecipientType.TO)[0]).getPersonal());
            assertTrue(m.isMimeType("multipart/alternative"));
        }
    }

    @Test
    void sqsBatchSendsTheValidRecordAndKeepsTheInvalidOneWithItsReason() throws Exception {
        SQSEvent event = lambdaReads(SQSEvent.class, Files.readString(Path.of("events", "sqs-batch.json")));
        try (Harness h = harness("MailQueueFunction")) {
            JsonNode answer = invoke(h, "sqs-batch.json");

            assertEquals(
                    List.of(),
                    lambdaReads(SQSBatchResponse.class, answer.toString()).getBatchItemFailures());
            assertEquals(List.of("erik@example.net"), h.relay.received().get(0).recipients());
            assertEquals(1, h.relay.received().size());
            software.amazon.awssdk.services.sqs.model.Message kept =
                    h.deadLetters().get(0);
            assertEquals(event.getRecords().get(1).getBody(), kept.body());
            assertEquals(
                    "invalid_request", kept.messageAttributes().get("error").stringValue());
            assertTrue(kept.messageAttributes().get("detail").stringValue().contains("subjekt"));
            assertEquals(
                    event.getRecords().get(1).getMessageId(),
                    kept.messageAttributes().get("sourceMessageId").stringValue());
        }
    }

    @Test
    void fifoBatchArrivesInOrderWithMessageIdsFromTheKeys() throws Exception {
        lambdaReads(SQSEvent.class, Files.readString(Path.of("events", "sqs-fifo-batch.json")));
        try (Harness h = harness("MailQueueFunction")) {
            JsonNode answer = invoke(h, "sqs-fifo-batch.json");

            assertEquals(
                    List.of(),
                    lambdaReads(SQSBatchResponse.class, answer.toString()).getBatchItemFailures());
            List<MimeMessage> received = h.relay.received().stream()
                    .map(r -> {
                        try {
                            return parse(r);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    })
                    .toList();
            assertEquals(3, received.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(
                        "Schritt " + (i + 1) + " von 3.\r\n", received.get(i).getContent());
                assertEquals(
                        new MessageIds().next(Optional.of("onboarding-gina-" + (i + 1)), "example.com"),
                        received.get(i).getMessageID());
            }
            assertEquals("Ihr Konto wurde eröffnet", received.get(0).getSubject());
        }
    }

    @Test
    void sampleBodiesAreValidUtf8() throws IOException {
        for (String name : COVERED) {
            byte[] bytes = eventBytes(name);
            assertEquals(
                    new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8).length,
                    bytes.length,
                    name);
        }
    }

    @Test
    void httpTemplateRendersTheWelcomeWithOneClickUnsubscribe() throws Exception {
        lambdaReads(APIGatewayV2HTTPEvent.class, Files.readString(Path.of("events", "api-http-template.json")));
        try (Harness h = harness("MailApiFunction")) {
            JsonNode answer = invoke(h, "api-http-template.json");

            assertEquals(
                    202,
                    lambdaReads(APIGatewayV2HTTPResponse.class, answer.toString())
                            .getStatusCode());
            MimeMessage m = parse(h.relay.received().get(0));
            assertEquals("Welcome to Acme, Dana", m.getSubject());
            assertEquals("List-Unsubscribe=One-Click", m.getHeader("List-Unsubscribe-Post", null));
            assertTrue(m.getHeader("List-Unsubscribe", null).startsWith("<https://app.example.com/unsubscribe?"));
            Multipart alternative = (Multipart) m.getContent();
            assertTrue(((String) alternative.getBodyPart(0).getContent()).contains("- Invite your team"));
            assertTrue(((String) alternative.getBodyPart(1).getContent()).contains("<li>Invite your team</li>"));
        }
    }

    @Test
    void httpBatchAnswers207WithAResultPerMessage() throws Exception {
        lambdaReads(APIGatewayV2HTTPEvent.class, Files.readString(Path.of("events", "api-http-batch.json")));
        try (Harness h = harness("MailApiFunction")) {
            JsonNode answer = invoke(h, "api-http-batch.json");

            APIGatewayV2HTTPResponse response = lambdaReads(APIGatewayV2HTTPResponse.class, answer.toString());
            assertEquals(207, response.getStatusCode());
            JsonNode body = JSON.readTree(response.getBody());
            assertEquals(3, body.get("accepted").asInt(), body.toString());
            assertEquals(
                    new MessageIds().next(Optional.of("export-77-ann"), "example.com"),
                    body.get("results").get(0).get("messageId").asText(),
                    "the message's own key");
            assertEquals(
                    new MessageIds().next(Optional.of("nightly-2026-11-26/1"), "example.com"),
                    body.get("results").get(1).get("messageId").asText(),
                    "the batch key with the index");
            assertEquals(
                    List.of("ann@example.org", "bob@example.net", "carol@example.org"),
                    h.relay.received().stream().map(r -> r.recipients().get(0)).toList());
            assertEquals(1, h.relay.connections());
        }
    }

    @Test
    void sqsRecordWithAnS3AttachmentSendsTheObject() throws Exception {
        lambdaReads(SQSEvent.class, Files.readString(Path.of("events", "sqs-s3-attachment.json")));
        Path pdf = OBJECTS.resolve("relaymail-sample-attachments/reports/2026/q3-report.pdf");
        Moto.createBucket("relaymail-sample-attachments");
        Moto.s3()
                .putObject(
                        r -> r.bucket("relaymail-sample-attachments").key("reports/2026/q3-report.pdf"),
                        RequestBody.fromFile(pdf));
        try (Harness h = harness("MailQueueFunction")) {
            JsonNode answer = invoke(h, "sqs-s3-attachment.json");

            assertEquals(
                    List.of(),
                    lambdaReads(SQSBatchResponse.class, answer.toString()).getBatchItemFailures());
            BodyPart attached = ((Multipart) parse(h.relay.received().get(0)).getContent()).getBodyPart(1);
            assertEquals("q3-report.pdf", attached.getFileName());
            assertArrayEquals(Files.readAllBytes(pdf), attached.getInputStream().readAllBytes());
        }
    }
}
