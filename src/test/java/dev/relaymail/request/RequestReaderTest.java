package dev.relaymail.request;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.Attachment;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.Header;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.template.MustacheTemplates;
import dev.relaymail.template.TemplateFiles;
import dev.relaymail.template.TemplateSource;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RequestReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RequestReader reader = new RequestReader(
            new RequestLimits(3, 1_000_000),
            Optional.of(MailAddress.parse("Acme <noreply@example.com>")),
            AttachmentPolicy.defaults(),
            Set.of("attachments-bucket"),
            MustacheTemplates.bundled());
    private final RequestReader noBuckets = new RequestReader(
            new RequestLimits(3, 1_000_000),
            Optional.empty(),
            AttachmentPolicy.defaults(),
            Set.of(),
            MustacheTemplates.bundled());

    private static ObjectNode valid() {
        ObjectNode body = JSON.createObjectNode();
        body.put("to", "bob@example.net");
        body.put("subject", "Hello");
        body.put("text", "Hi Bob");
        return body;
    }

    private SendRequest read(ObjectNode body) throws MailException {
        return reader.read(body.toString().getBytes(StandardCharsets.UTF_8), Optional.empty());
    }

    /** Reads a request changed by {@code change} and returns the errors, failing if it was accepted. */
    private List<FieldError> errors(Consumer<ObjectNode> change) {
        ObjectNode body = valid();
        change.accept(body);
        return assertThrows(RequestRejectedException.class, () -> read(body)).errors();
    }

    private static void assertField(List<FieldError> errors, String field, String messagePart) {
        assertTrue(
                errors.stream()
                        .anyMatch(e -> e.field().equals(field) && e.message().contains(messagePart)),
                () -> "expected " + field + " ~ '" + messagePart + "' in " + errors);
    }

    @Test
    void readsAMinimalRequestWithTheDefaultSender() throws Exception {
        SendRequest r = read(valid());
        assertEquals("noreply@example.com", r.from().address());
        assertEquals(Optional.of("Acme"), r.from().displayName());
        assertEquals(
                List.of("bob@example.net"),
                r.to().stream().map(MailAddress::address).toList());
        assertEquals(Optional.of("Hi Bob"), r.text());
        assertEquals(Optional.empty(), r.html());
    }

    @Test
    void readsEveryField() throws Exception {
        ObjectNode body = valid();
        body.put("from", "Billing <billing@example.com>");
        body.putArray("to").add("Ann Müller <ann@example.org>").add("bob@example.net");
        body.putArray("cc").add("carol@example.org");
        body.put("bcc", "audit@example.com");
        body.put("replyTo", "support@example.com");
        body.put("html", "<p>Hi <img src=\"cid:logo\"></p>");
        ArrayNode attachments = body.putArray("attachments");
        attachments.addObject().put("filename", "a.pdf").put("content", "JVBERg==");
        attachments
                .addObject()
                .put("filename", "logo.png")
                .put("contentType", "image/png")
                .put("content", "iVBO\r\nRw==")
                .put("contentId", "logo");
        body.putObject("headers").put("X-Campaign", "2026-11").put("List-Unsubscribe", "<https://u.example/x>");
        body.putObject("tags").put("tenant", "acme");
        body.put("idempotencyKey", "order-1");
        body.remove("to");
        body.putArray("to").add("Ann Müller <ann@example.org>");

        SendRequest r = read(body);

        assertEquals("billing@example.com", r.from().address());
        assertEquals(1, r.cc().size());
        assertEquals("audit@example.com", r.bcc().get(0).address());
        assertEquals("support@example.com", r.replyTo().get(0).address());
        assertEquals("application/pdf", r.attachments().get(0).contentType(), "guessed from the file name");
        assertArrayEquals(
                Base64.getDecoder().decode("iVBORw=="), r.attachments().get(1).bytes());
        assertEquals(Optional.of("logo"), r.attachments().get(1).contentId());
        assertEquals(
                List.of(new Header("X-Campaign", "2026-11"), new Header("List-Unsubscribe", "<https://u.example/x>")),
                r.headers());
        assertEquals("acme", r.tags().get("tenant"));
        assertEquals(Optional.of("order-1"), r.idempotencyKey());
    }

    @Test
    void refusesBodyThatIsNotJson() {
        RequestRejectedException e = assertThrows(
                RequestRejectedException.class,
                () -> reader.read("{\"to\": ".getBytes(StandardCharsets.UTF_8), Optional.empty()));
        assertField(e.errors(), "body", "not valid JSON: it ends before its value is complete (line 1, column 8)");
    }

    /** The error says where the JSON broke, never what it broke on: that may be the message's text or a secret. */
    @Test
    void saysWhereTheJsonIsBrokenWithoutQuotingIt() {
        RequestRejectedException e = assertThrows(
                RequestRejectedException.class,
                () -> reader.read(
                        "{\"to\": \"b@example.org\",\n \"text\": TopSecretBodyText123 }"
                                .getBytes(StandardCharsets.UTF_8),
                        Optional.empty()));
        assertField(e.errors(), "body", "is not valid JSON (line 2, column ");
        assertFalse(e.errors().toString().contains("TopSecret"), e.errors().toString());
    }

    @Test
    void refusesEmptyBodyAndNonObjects() {
        assertField(
                assertThrows(RequestRejectedException.class, () -> reader.read(new byte[0], Optional.empty()))
                        .errors(),
                "body",
                "empty");
        assertField(
                assertThrows(
                                RequestRejectedException.class,
                                () -> reader.read("[1]".getBytes(StandardCharsets.UTF_8), Optional.empty()))
                        .errors(),
                "body",
                "JSON object");
    }

    @Test
    void refusesDuplicateKeysAndAnythingAfterTheObject() {
        assertField(
                refusedBody("{\"to\":\"a@example.net\",\"to\":\"b@example.net\",\"subject\":\"s\",\"text\":\"t\"}"),
                "body",
                "is not valid JSON: a field is named twice (line 1, column 27)");
        assertField(
                refusedBody("{\"to\":\"a@example.net\",\"subject\":\"s\",\"text\":\"t\"} {\"to\":\"b@x.net\"}"),
                "body",
                "is not valid JSON: more follows its value (line 1, column ");
    }

    private List<FieldError> refusedBody(String body) {
        return assertThrows(
                        RequestRejectedException.class,
                        () -> reader.read(body.getBytes(StandardCharsets.UTF_8), Optional.empty()))
                .errors();
    }

    @Test
    void refusesUnknownFieldsAtTopLevelAndInAttachments() {
        List<FieldError> errors = errors(b -> {
            b.put("subjekt", "typo");
            b.putArray("attachments")
                    .addObject()
                    .put("filename", "a.txt")
                    .put("content", "YQ==")
                    .put("name", "x");
        });
        assertField(errors, "subjekt", "unknown field");
        assertField(errors, "attachments[0].name", "unknown field");
    }

    @Test
    void requiresASenderWhenNoDefaultIsConfigured() {
        RequestReader noDefault = new RequestReader(
                new RequestLimits(3, 1_000_000),
                Optional.empty(),
                AttachmentPolicy.defaults(),
                Set.of("attachments-bucket"),
                MustacheTemplates.bundled());
        RequestRejectedException e = assertThrows(
                RequestRejectedException.class,
                () -> noDefault.read(valid().toString().getBytes(StandardCharsets.UTF_8), Optional.empty()));
        assertField(e.errors(), "from", "DEFAULT_FROM");
    }

    @Test
    void namesEveryInvalidAddressByItsPath() {
        List<FieldError> errors = errors(b -> {
            b.put("from", "not an address");
            b.putArray("to").add("ok@example.net").add("broken@").add(42);
            b.put("cc", 7);
            b.put("replyTo", "reply@localhost");
        });
        assertField(errors, "from", "not a valid address");
        assertField(errors, "to[1]", "not a valid address");
        assertField(errors, "to[2]", "must be a string");
        assertField(errors, "cc", "string or an array");
        assertField(errors, "replyTo", "two labels");
    }

    @Test
    void requiresAtLeastOneRecipient() {
        assertField(errors(b -> b.remove("to")), "to", "at least one recipient");
        assertField(errors(b -> b.putArray("to")), "to", "at least one recipient");
    }

    @Test
    void capsRecipientsAcrossToCcAndBcc() throws Exception {
        ObjectNode atLimit = valid();
        atLimit.putArray("cc").add("c1@example.net");
        atLimit.putArray("bcc").add("b1@example.net");
        assertEquals(3, read(atLimit).envelopeRecipients().size());
        assertField(
                errors(b -> {
                    b.putArray("cc").add("c1@example.net").add("c2@example.net");
                    b.putArray("bcc").add("b1@example.net");
                }),
                "to",
                "too many recipients: 4 (limit 3");
    }

    @Test
    void requiresANonEmptySubjectWithoutControlCharacters() {
        assertField(errors(b -> b.remove("subject")), "subject", "required");
        assertField(errors(b -> b.put("subject", "  ")), "subject", "empty");
        assertField(errors(b -> b.put("subject", 5)), "subject", "string");
        assertField(errors(b -> b.put("subject", "Hi\r\nBcc: victim@example.org")), "subject", "control");
        assertField(errors(b -> b.put("subject", "x".repeat(999))), "subject", "longer than 998");
    }

    @Test
    void requiresTextOrHtml() {
        assertField(errors(b -> b.remove("text")), "text", "text or html is required");
        assertField(errors(b -> b.put("text", "")), "text", "text or html is required");
        assertField(errors(b -> b.put("html", 3)), "html", "must be a string");
    }

    @Test
    void checksAttachments() {
        List<FieldError> errors = errors(b -> {
            ArrayNode a = b.putArray("attachments");
            a.addObject().put("content", "YQ==");
            a.addObject().put("filename", "../etc/passwd").put("content", "YQ==");
            a.addObject().put("filename", "a\r\nb.txt").put("content", "YQ==");
            a.addObject().put("filename", "x.bin").put("content", "not base64!");
            a.addObject().put("filename", "x.bin").put("content", "YQ==").put("contentType", "text/plain\r\nX: y");
            a.addObject().put("filename", "x.bin").put("content", "YQ==").put("contentType", "pdf");
            a.addObject().put("filename", "x.eml").put("content", "YQ==").put("contentType", "multipart/mixed");
            a.add("not an object");
        });
        assertField(errors, "attachments[0].filename", "required");
        assertField(errors, "attachments[1].filename", "without a path");
        assertField(errors, "attachments[2].filename", "control");
        assertField(errors, "attachments[3].content", "base64");
        assertField(errors, "attachments[4].contentType", "control");
        assertField(errors, "attachments[5].contentType", "not a valid content type");
        assertField(errors, "attachments[6].contentType", "multipart");
        assertField(errors, "attachments[7]", "object");
        assertField(errors(b -> b.put("attachments", "x")), "attachments", "array");
    }

    @Test
    void inlinePartsNeedHtmlAndUniqueContentIds() {
        assertField(
                errors(b -> b.putArray("attachments")
                        .addObject()
                        .put("filename", "l.png")
                        .put("content", "YQ==")
                        .put("contentId", "logo")),
                "attachments[0].contentId",
                "html");
        List<FieldError> errors = errors(b -> {
            b.put("html", "<img src=cid:logo>");
            ArrayNode a = b.putArray("attachments");
            a.addObject().put("filename", "l.png").put("content", "YQ==").put("contentId", "logo");
            a.addObject().put("filename", "m.png").put("content", "YQ==").put("contentId", "LOGO");
            a.addObject().put("filename", "n.png").put("content", "YQ==").put("contentId", "<bad>");
        });
        assertField(errors, "attachments[1].contentId", "another attachment");
        assertField(errors, "attachments[2].contentId", "without < >");
    }

    @Test
    void allowsOnlyXHeadersAndTheListedOnes() {
        List<FieldError> errors = errors(b -> b.putObject("headers")
                .put("From", "ceo@example.com")
                .put("Bcc", "x@example.org")
                .put("Content-Type", "text/html")
                .put("Message-ID", "<x@y>")
                .put("Received", "from evil")
                .put("X-", "empty custom name")
                .put("X Bad", "space"));
        for (String name : List.of("From", "Bcc", "Content-Type", "Message-ID", "Received", "X-")) {
            assertField(errors, "headers." + name, "not allowed");
        }
        assertField(errors, "headers.X Bad", "not a valid header name");
    }

    @Test
    void refusesControlCharactersAndNonAsciiInHeaderValues() {
        assertField(
                errors(b -> b.putObject("headers").put("X-Tag", "a\r\nBcc: victim@example.org")),
                "headers.X-Tag",
                "control");
        assertField(
                errors(b -> b.putObject("headers").put("List-Id", "Liste <liste.münchen.example>")),
                "headers.List-Id",
                "printable ASCII");
        assertField(errors(b -> b.putObject("headers").put("X-A", "1").put("x-a", "2")), "headers.x-a", "twice");
        assertField(errors(b -> b.putObject("headers").put("X-A", 1)), "headers.X-A", "string");
    }

    @Test
    void checksTags() {
        assertField(errors(b -> b.putObject("tags").put("bad key", "v")), "tags.bad key", "name must be");
        assertField(errors(b -> b.putObject("tags").put("k", 1)), "tags.k", "string");
        assertField(errors(b -> b.putObject("tags").put("k", "x".repeat(257))), "tags.k", "at most 256");
        assertField(errors(b -> b.put("tags", "x")), "tags", "object");
    }

    @Test
    void checksTheIdempotencyKeyFromBodyAndHeader() throws Exception {
        assertField(errors(b -> b.put("idempotencyKey", "")), "idempotencyKey", "printable ASCII");
        assertField(errors(b -> b.put("idempotencyKey", "ключ")), "idempotencyKey", "printable ASCII");
        ObjectNode both = valid().put("idempotencyKey", "a");
        RequestRejectedException e = assertThrows(
                RequestRejectedException.class,
                () -> reader.read(both.toString().getBytes(StandardCharsets.UTF_8), Optional.of("b")));
        assertField(e.errors(), "idempotencyKey", "differs from the Idempotency-Key header");
        assertEquals(
                Optional.of("h"),
                reader.read(valid().toString().getBytes(StandardCharsets.UTF_8), Optional.of("h"))
                        .idempotencyKey());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        List<FieldError> errors = errors(b -> {
            b.remove("subject");
            b.put("to", "broken");
            b.put("unknown", 1);
        });
        assertEquals(
                List.of("unknown", "to", "subject"),
                errors.stream().map(FieldError::field).toList());
    }

    @Test
    void refusesDangerousAttachmentsNamingThem() {
        List<FieldError> errors = errors(b -> {
            ArrayNode a = b.putArray("attachments");
            a.addObject().put("filename", "invoice.pdf").put("content", "YQ==");
            a.addObject().put("filename", "invoice.pdf.exe").put("content", "YQ==");
            a.addObject()
                    .put("filename", "tool.bin")
                    .put("contentType", "application/x-msdownload")
                    .put("content", "YQ==");
            a.addObject().put("filename", "invoice.exe\u0301").put("content", "YQ==");
        });
        assertEquals(3, errors.size(), errors.toString());
        assertField(errors, "attachments[1]", ".exe");
        assertField(errors, "attachments[2]", "application/x-msdownload");
        assertField(errors, "attachments[3]", ".exe");
    }

    /** The content type cannot name the file another way than its filename, nor carry 8-bit bytes into a header. */
    @Test
    void refusesContentTypesThatNameTheFileOrAreNotPlainAscii() {
        List<FieldError> errors = errors(b -> {
            ArrayNode a = b.putArray("attachments");
            for (String type : List.of(
                    "application/pdf; name=evil.exe",
                    "application/octet-stream; name*=UTF-8''e.exe",
                    "application/pdf; FILENAME=\"e.exe\"",
                    "application/pdf; x=\"\u00e9\u4e2d\"",
                    "application/pdf; x=" + "c".repeat(300),
                    "text/calendar; method=REQUEST; charset=UTF-8")) {
                a.addObject().put("filename", "f.pdf").put("content", "YQ==").put("contentType", type);
            }
        });
        for (int i = 0; i < 3; i++) {
            assertField(errors, "attachments[" + i + "].contentType", "must not carry a name parameter");
        }
        assertField(errors, "attachments[3].contentType", "must be printable ASCII");
        assertField(errors, "attachments[4].contentType", "longer than 255 characters");
        assertEquals(5, errors.size(), "text/calendar with its method is fine: " + errors);
    }

    @Test
    void acceptsFiftyAttachmentsAndRefusesFiftyOne() throws Exception {
        ObjectNode fifty = valid();
        ArrayNode list = fifty.putArray("attachments");
        for (int i = 0; i < 50; i++) {
            list.addObject().put("filename", "f" + i + ".txt").put("content", "YQ==");
        }
        assertEquals(50, read(fifty).attachments().size());
        list.addObject().put("filename", "f50.txt").put("content", "YQ==");
        RequestRejectedException e = assertThrows(RequestRejectedException.class, () -> read(fifty));
        assertField(e.errors(), "attachments", "too many attachments: 51 (limit 50)");
    }

    @Test
    void acceptsASubjectOf998Characters() throws Exception {
        assertEquals(
                998, read(valid().put("subject", "s".repeat(998))).subject().length());
    }

    @Test
    void rendersATemplateWithItsData() throws Exception {
        ObjectNode body = valid();
        body.remove(List.of("subject", "text"));
        body.put("template", "password-reset");
        body.putObject("data")
                .put("name", "Bob")
                .put("product", "Acme")
                .put("validMinutes", 15)
                .put("resetUrl", "https://app.example.com/r/1");

        SendRequest r = read(body);

        assertEquals("Reset your Acme password", r.subject());
        assertTrue(r.html().orElseThrow().contains("<a href=\"https://app.example.com/r/1\">"));
        assertTrue(r.text().orElseThrow().startsWith("Hello Bob,\n"));
    }

    @Test
    void refusesSubjectAndBodiesBesideATemplateAndNamesAMissingVariable() {
        List<FieldError> errors = errors(b -> {
            b.put("template", "password-reset");
            b.putObject("data").put("name", "Bob");
        });
        assertField(errors, "subject", "comes from the template");
        assertField(errors, "text", "comes from the template");

        List<FieldError> missing = errors(b -> {
            b.remove(List.of("subject", "text"));
            b.put("template", "password-reset");
            b.putObject("data").put("name", "Bob");
        });
        assertField(missing, "data.product", "password-reset (subject.mustache, line 1)");
    }

    @Test
    void refusesBadTemplateNamesDataAndSubjectsRenderedWithLineBreaks() {
        Consumer<ObjectNode> templated = b -> b.remove(List.of("subject", "text"));
        assertField(
                errors(templated.andThen(b -> b.put("template", "../etc/passwd"))),
                "template",
                "must be a template name");
        assertField(
                errors(templated.andThen(b -> b.put("template", "welcome").put("data", "x"))),
                "data",
                "must be an object");
        assertField(errors(templated.andThen(b -> b.putObject("data"))), "template", "is required with data");
        assertField(errors(templated.andThen(b -> b.put("template", "nope"))), "template", "no template named nope");
        assertField(
                errors(templated.andThen(b -> {
                    b.put("template", "password-reset");
                    b.putObject("data")
                            .put("name", "Bob")
                            .put("product", "Acme\r\nBcc: victim@example.org")
                            .put("validMinutes", 15)
                            .put("resetUrl", "https://app.example.com/r/1");
                })),
                "subject",
                "control characters (CR, LF, NUL, …) (rendered from template password-reset)");
    }

    @Test
    void aTemplateThatRendersNeitherTextNorHtmlIsRefusedNamingItsData() {
        TemplateSource conditional = new TemplateSource() {
            @Override
            public Optional<String> read(String name, String file) {
                return Optional.of(
                        switch (file) {
                            case TemplateFiles.SUBJECT -> "Hi";
                            case TemplateFiles.HTML -> "{{#offer}}<p>{{offer}}</p>{{/offer}}";
                            default -> "{{#offer}}{{offer}}{{/offer}}";
                        });
            }

            @Override
            public String describe() {
                return "test templates";
            }
        };
        RequestReader templated = new RequestReader(
                new RequestLimits(3, 1_000_000),
                Optional.empty(),
                AttachmentPolicy.defaults(),
                Set.of(),
                new MustacheTemplates(List.of(conditional), Duration.ZERO, Clock.systemUTC()));
        ObjectNode body = valid();
        body.remove(List.of("subject", "text", "html"));
        body.put("template", "offer").putObject("data").putNull("offer");

        RequestRejectedException e = assertThrows(
                RequestRejectedException.class,
                () -> templated.read(body.toString().getBytes(StandardCharsets.UTF_8), Optional.empty()));
        assertField(e.errors(), "data", "renders an empty message");
    }

    @Test
    void refusesABatchIdempotencyKeyAsAMessageKeyIsRefused() {
        byte[] batch = "{\"messages\": [{}]}".getBytes(StandardCharsets.UTF_8);
        for (String key : List.of("", "a\r\nb", "x".repeat(257))) {
            RequestRejectedException e =
                    assertThrows(RequestRejectedException.class, () -> reader.readBatch(batch, Optional.of(key)));
            assertField(e.errors(), "Idempotency-Key", "printable ASCII");
        }
    }

    @Test
    void turnsUnsubscribeIntoOneClickListUnsubscribeHeaders() throws Exception {
        ObjectNode body = valid();
        body.putObject("unsubscribe")
                .put("url", "https://example.com/u?t=abc%2C1")
                .put("mailto", "unsub@example.com");

        List<Header> headers = read(body).headers();

        assertEquals(
                List.of(
                        new Header("List-Unsubscribe", "<https://example.com/u?t=abc%2C1>, <mailto:unsub@example.com>"),
                        new Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")),
                headers);
    }

    @Test
    void addsNoOneClickHeaderForAMailtoAlone() throws Exception {
        ObjectNode body = valid();
        body.putObject("unsubscribe").put("mailto", "unsub@example.com");

        assertEquals(
                List.of(new Header("List-Unsubscribe", "<mailto:unsub@example.com>")),
                read(body).headers());
    }

    @Test
    void refusesUnsubscribeTargetsThatAreNotSafe() {
        assertField(
                errors(b -> b.putObject("unsubscribe").put("url", "http://example.com/u")),
                "unsubscribe.url",
                "https://");
        assertField(
                errors(b -> b.putObject("unsubscribe").put("url", "https://example.com/u>\r\nBcc: x")),
                "unsubscribe.url",
                "ASCII");
        assertField(
                errors(b -> b.putObject("unsubscribe").put("url", "https://example.com/a,b")),
                "unsubscribe.url",
                "must not contain < > or ,");
        assertField(
                errors(b -> b.putObject("unsubscribe").put("url", "https://example.com/" + "u".repeat(900))),
                "unsubscribe.url",
                "longer than 900");
        assertField(
                errors(b -> b.putObject("unsubscribe").put("mailto", "not an address")),
                "unsubscribe.mailto",
                "not a valid address");
        assertField(errors(b -> b.putObject("unsubscribe")), "unsubscribe", "needs a url");
        assertField(
                errors(b -> b.putObject("unsubscribe").put("link", "https://example.com/")),
                "unsubscribe.link",
                "unknown field");
        assertField(
                errors(b -> {
                    b.putObject("unsubscribe").put("mailto", "unsub@example.com");
                    b.putObject("headers").put("List-Unsubscribe", "<mailto:other@example.com>");
                }),
                "headers.List-Unsubscribe",
                "is set by unsubscribe");
    }

    @Test
    void readsAnAttachmentByReferenceToAnAllowedBucket() throws Exception {
        ObjectNode body = valid();
        body.putArray("attachments").addObject().put("s3", "s3://attachments-bucket/reports/2026/Q3 report.pdf");

        Attachment a = read(body).attachments().get(0);

        assertEquals(new Attachment.StoredObject("attachments-bucket", "reports/2026/Q3 report.pdf"), a.content());
        assertEquals("Q3 report.pdf", a.filename(), "the file name defaults to the key's last segment");
        assertEquals("application/pdf", a.contentType());
    }

    @Test
    void refusesReferencesOutsideTheAllowedBucketsOrWithContentToo() {
        assertField(
                errors(b -> b.putArray("attachments").addObject().put("s3", "s3://other-bucket/a.pdf")),
                "attachments[0].s3",
                "bucket other-bucket is not one the function may read (ATTACHMENT_BUCKETS)");
        assertField(
                errors(b -> b.putArray("attachments").addObject().put("s3", "https://example.com/a.pdf")),
                "attachments[0].s3",
                "must be an S3 address");
        assertField(
                errors(b -> b.putArray("attachments")
                        .addObject()
                        .put("s3", "s3://attachments-bucket/a.pdf")
                        .put("content", "YQ==")),
                "attachments[0]",
                "either content or s3");
        assertField(
                errors(b -> b.putArray("attachments").addObject().put("s3", "s3://attachments-bucket/run.exe")),
                "attachments[0]",
                ".exe");
        assertField(
                errors(b -> b.putArray("attachments").addObject().put("s3", "s3://attachments-bucket/dir/")),
                "attachments[0].filename",
                "is required");

        ObjectNode body = valid().put("from", "a@example.com");
        body.putArray("attachments").addObject().put("s3", "s3://attachments-bucket/a.pdf");
        RequestRejectedException e =
                assertThrows(RequestRejectedException.class, () -> noBuckets.read(body.toString(), Optional.empty()));
        assertField(e.errors(), "attachments[0].s3", "not enabled (ATTACHMENT_BUCKETS is empty)");
    }

    /** The file name of a reference defaults to the key's last segment: a reference that cannot be read lacks none. */
    @Test
    void aReferenceThatCannotBeReadIsAnsweredWithItsOneProblem() {
        ObjectNode body = valid().put("from", "a@example.com");
        body.putArray("attachments").addObject().put("s3", "s3://attachments-bucket/reports/q3.pdf");
        RequestRejectedException e =
                assertThrows(RequestRejectedException.class, () -> noBuckets.read(body.toString(), Optional.empty()));
        assertEquals(
                List.of(new FieldError(
                        "attachments[0].s3", "attachments by reference are not enabled (ATTACHMENT_BUCKETS is empty)")),
                e.errors());

        assertEquals(
                List.of("attachments[0].s3"),
                errors(b -> b.putArray("attachments").addObject().put("s3", "s3://other-bucket/a.pdf")).stream()
                        .map(FieldError::field)
                        .toList());
        assertEquals(
                List.of("attachments[0].s3"),
                errors(b -> b.putArray("attachments").addObject().put("s3", "https://example.com/a.pdf")).stream()
                        .map(FieldError::field)
                        .toList());
    }
}
