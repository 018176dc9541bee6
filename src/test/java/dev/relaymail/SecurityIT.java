package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.restEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.ScriptedRelay;
import dev.relaymail.testing.TestRelay;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Attacks on the function, the way spammers and attackers try them; each must fail against a naive sender. */
class SecurityIT {
    private static final String INJECTION = "x\r\nBcc: victim@evil.example\r\n\r\nRCPT TO:<victim@evil.example>";

    static JsonNode problem(JsonNode answer) throws Exception {
        return JSON.readTree(answer.get("body").asText());
    }

    /** The DATA payload without the terminator, un-dot-stuffed, as a receiver reads it. */
    static byte[] unstuffed(byte[] payload) {
        String data = new String(payload, 0, payload.length - 3, StandardCharsets.ISO_8859_1);
        return data.replace("\r\n..", "\r\n.").getBytes(StandardCharsets.ISO_8859_1);
    }

    static MimeMessage parse(byte[] mime) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(mime));
    }

    static void assertNoBareCrOrLf(byte[] payload) {
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == '\n') {
                assertTrue(i > 0 && payload[i - 1] == '\r', "bare LF at " + i);
            }
            if (payload[i] == '\r') {
                assertTrue(i + 1 < payload.length && payload[i + 1] == '\n', "bare CR at " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"text", "html"})
    void smugglingSequencesInABodyStayInsideOneMessage(String field) throws Exception {
        String body = "start\n.\nMAIL FROM:<spoof@bank.example>\r\nRCPT TO:<victim@evil.example>\n"
                + "DATA\r\nsmuggled\n.\r\nmiddle\r.\r\nend\r\n.\r\n.hidden\rfinal";
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            sendWithBody(h, field, body);

            assertEquals(1, relay.payloads().size(), "exactly one message");
            assertEquals(1, relay.count("MAIL"));
            assertEquals(1, relay.count("RCPT"));
            assertEquals(1, relay.count("DATA"));
            byte[] payload = relay.payloads().get(0);
            assertNoBareCrOrLf(payload);
            String data = new String(payload, StandardCharsets.ISO_8859_1);
            assertEquals(data.length() - 5, data.indexOf("\r\n.\r\n"), "the only end of data is the real one");
            assertTrue(data.contains("\r\n..hidden"), "a line starting with a dot is dot-stuffed");
            String sent = ((String) parse(unstuffed(payload)).getContent()).strip();
            assertEquals(body.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n"), sent);
        }
    }

    /**
     * Under BDAT the same bodies stay inside one message: the content is the composed bytes, counted exactly, with no
     * end-of-data line a body could imitate. Small messages go in one flight with their envelope, larger ones after
     * it; both are checked.
     */
    @ParameterizedTest
    @CsvSource({"text, 0", "html, 0", "text, 6000", "html, 6000"})
    void smugglingSequencesInABodyStayInsideOneMessageUnderBdat(String field, int padding) throws Exception {
        String body =
                "x".repeat(padding) + "start\n.\nMAIL FROM:<spoof@bank.example>\r\nRCPT TO:<victim@evil.example>\n"
                        + "BDAT 5 LAST\r\nsmuggled\n.\r\nmiddle\r.\r\nend\r\n.\r\n.hidden\rfinal";
        try (ScriptedRelay relay = new ScriptedRelay().offerChunking();
                Harness h = new Harness(relay, "u", "p")) {
            sendWithBody(h, field, body);

            assertEquals(1, relay.chunkedMessages().size(), "exactly one message");
            assertEquals(List.of("MAIL", "RCPT", "BDAT"), verbsAfterLogin(relay), "no command from the body");
            byte[] content = relay.chunkedMessages().get(0);
            assertNoBareCrOrLf(content);
            String sent = ((String) parse(content).getContent()).strip();
            assertEquals(body.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n"), sent);
        }
    }

    /**
     * BDAT's count is the length of the very bytes that follow it: nothing is dot-stuffed, added or lost, so the
     * relay reads the next command exactly where it begins, and a line with a single dot is just a line.
     */
    @Test
    void bdatCountsExactlyTheComposedBytesAndTheNextCommandFollowsThem() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay().offerChunking();
                Harness h = new Harness(relay, "u", "p")) {
            ObjectNode first = message("ann@example.org", "dots");
            first.put("text", ".\n..\n.hidden\n\n.\nno line break at the end");
            ObjectNode second = message("bob@example.org", "after");

            assertEquals(202, h.invoke(restEvent(first)).get("statusCode").asInt());
            assertEquals(202, h.invoke(restEvent(second)).get("statusCode").asInt());

            assertEquals(List.of("MAIL", "RCPT", "BDAT", "MAIL", "RCPT", "BDAT"), verbsAfterLogin(relay));
            List<String> sizes = relay.commands().stream()
                    .filter(c -> c.verb().equals("BDAT"))
                    .map(ScriptedRelay.Command::line)
                    .toList();
            for (int i = 0; i < 2; i++) {
                byte[] content = relay.chunkedMessages().get(i);
                assertEquals("BDAT " + content.length + " LAST", sizes.get(i));
                assertTrue(new String(content, StandardCharsets.ISO_8859_1).endsWith("\r\n"), "ends with its line");
                assertNoBareCrOrLf(content);
            }
            MimeMessage dots = parse(relay.chunkedMessages().get(0));
            assertEquals("dots", dots.getSubject());
            assertEquals(
                    ".\r\n..\r\n.hidden\r\n\r\n.\r\nno line break at the end",
                    ((String) dots.getContent()).strip(),
                    "not dot-stuffed");
            assertEquals("after", parse(relay.chunkedMessages().get(1)).getSubject());
            assertEquals(List.of(), relay.payloads(), "no DATA");
        }
    }

    /** Sends a message to ann@example.org whose only body is this text or HTML; the API must take it. */
    private static void sendWithBody(Harness h, String field, String body) throws Exception {
        ObjectNode request = message("ann@example.org", "smuggling");
        request.remove("text");
        request.put(field, body);
        assertEquals(202, h.invoke(restEvent(request)).get("statusCode").asInt());
    }

    /** The verbs after the login: what the relay was asked to do with messages. */
    private static List<String> verbsAfterLogin(ScriptedRelay relay) {
        return relay.commands().stream()
                .map(ScriptedRelay.Command::verb)
                .dropWhile(v -> !v.equals("AUTH"))
                .skip(1)
                .filter(v -> !v.equals("QUIT"))
                .toList();
    }

    @Test
    void nothingButEhloAndStartTlsIsSentBeforeTls() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            assertEquals(
                    202,
                    h.invoke(restEvent(message("ann@example.org", "x")))
                            .get("statusCode")
                            .asInt());
            for (ScriptedRelay.Command command : relay.commands()) {
                assertTrue(
                        command.tls() || List.of("EHLO", "STARTTLS").contains(command.verb()),
                        "sent in plaintext: " + command.verb());
            }
            assertTrue(relay.commands().stream().anyMatch(c -> c.verb().equals("AUTH") && c.tls()));
        }
    }

    @Test
    void aRelayThatDoesNotOfferStartTlsGetsOnlyEhlo() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            relay.on("EHLO", c -> ScriptedRelay.reply("250-scripted.example\r\n250 AUTH PLAIN LOGIN"));
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));

            assertEquals(503, answer.get("statusCode").asInt());
            assertTrue(problem(answer).get("detail").asText().contains("STARTTLS"));
            assertEquals(
                    List.of("EHLO"),
                    relay.commands().stream()
                            .map(ScriptedRelay.Command::verb)
                            .filter(v -> !v.equals("QUIT"))
                            .toList());
        }
    }

    @Test
    void aPlaintextReplyInjectedAfterTheStartTlsReplyHasNoEffect() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            relay.on(
                    "STARTTLS",
                    c -> new ScriptedRelay.Raw(("220 2.0.0 Ready to start TLS\r\n"
                                    + "250-injected.example\r\n250 AUTH PLAIN\r\n535 5.7.8 injected\r\n421 injected\r\n")
                            .getBytes(StandardCharsets.US_ASCII)));

            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));

            assertEquals(202, answer.get("statusCode").asInt(), "the injected replies were never read as replies");
            assertEquals(1, relay.payloads().size());
            assertEquals(2, relay.count("EHLO"), "EHLO was sent again over TLS and its real reply read");
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "subject|subject",
                "from|from",
                "to|to",
                "replyTo|replyTo",
                "header|headers.X-Note",
                "filename|attachments[0].filename",
                "contentType|attachments[0].contentType",
                "contentId|attachments[0].contentId"
            })
    void controlCharactersAreRefusedWhereverTheyCouldReachAHeaderOrCommand(String target, String field)
            throws Exception {
        ObjectNode request = message("ann@example.org", "ok").put("html", "<img src=cid:logo>");
        ObjectNode attachment = request.putArray("attachments")
                .addObject()
                .put("filename", "a.png")
                .put("content", "YQ==")
                .put("contentId", "logo");
        Consumer<ObjectNode> attack = switch (target) {
            case "subject" -> r -> r.put("subject", INJECTION);
            case "from" -> r -> r.put("from", "Evil" + INJECTION + " <noreply@example.com>");
            case "to" -> r -> r.put("to", "ann@example.org>\r\nRCPT TO:<victim@evil.example");
            case "replyTo" -> r -> r.put("replyTo", "x@example.org\nBcc: victim@evil.example");
            case "header" -> r -> r.putObject("headers").put("X-Note", INJECTION);
            case "filename" -> r -> attachment.put("filename", "a.png" + INJECTION);
            case "contentType" -> r -> attachment.put("contentType", "image/png" + INJECTION);
            default -> r -> attachment.put("contentId", "logo\r\nX: y");
        };
        attack.accept(request);
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            JsonNode answer = h.invoke(restEvent(request));

            assertEquals(400, answer.get("statusCode").asInt(), answer.toString());
            assertTrue(
                    problem(answer).get("errors").findValuesAsText("field").contains(field),
                    problem(answer).toString());
            assertEquals(0, relay.connections(), "nothing reached the relay");
        }
    }

    @Test
    void aNulOrNewlineInAHeaderNameIsRefused() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            ObjectNode request = message("ann@example.org", "ok");
            request.putObject("headers")
                    .put("X-A\r\nBcc", "victim@evil.example")
                    .put("X-B\u0000", "v");
            JsonNode answer = h.invoke(restEvent(request));
            assertEquals(400, answer.get("statusCode").asInt());
            assertEquals(
                    List.of("headers.X-A??Bcc", "headers.X-B?"),
                    problem(answer).get("errors").findValuesAsText("field"));
        }
    }

    /** CVE-2025-7962: U+760D written as one byte is 0x0D, a raw CR in the SMTP command. */
    @Test
    void nonAsciiThatCouldBecomeARawCrNeverReachesACommand() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            JsonNode local = h.invoke(restEvent(message("victim\u760d@example.org", "x")));
            assertEquals(400, local.get("statusCode").asInt());
            assertTrue(
                    problem(local).get("errors").get(0).get("message").asText().contains("non-ASCII"));

            ObjectNode request = message("Name \u760d\u760a <ann@bücher\u760d.example>", "Betreff \u760d\u760a")
                    .put("from", "Acme \u760d <noreply@example.com>");
            request.putObject("headers").put("X-Note", "value \u760d\u760a");
            JsonNode answer = h.invoke(restEvent(request));

            assertEquals(202, answer.get("statusCode").asInt(), answer.toString());
            for (String line : relay.transcript()) {
                assertTrue(line.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "not printable ASCII: " + line);
            }
            assertEquals(1, relay.count("RCPT"));
            assertTrue(
                    relay.transcript().stream().anyMatch(l -> l.startsWith("RCPT TO:<ann@xn--")),
                    relay.transcript().toString());
            byte[] payload = relay.payloads().get(0);
            assertNoBareCrOrLf(payload);
            for (byte b : payload) {
                assertTrue(b >= 0, "every header is encoded, every byte is ASCII");
            }
            MimeMessage sent = parse(unstuffed(payload));
            assertEquals("Betreff \u760d\u760a", sent.getSubject());
            List<String> names = headerNames(sent);
            assertEquals(
                    List.of(
                            "Date",
                            "From",
                            "To",
                            "Message-ID",
                            "Subject",
                            "MIME-Version",
                            "Content-Type",
                            "Content-Transfer-Encoding",
                            "X-Note"),
                    names);
        }
    }

    static List<String> headerNames(MimeMessage message) throws Exception {
        List<String> names = new java.util.ArrayList<>();
        for (Enumeration<jakarta.mail.Header> e = message.getAllHeaders(); e.hasMoreElements(); ) {
            names.add(e.nextElement().getName());
        }
        return names;
    }

    @ParameterizedTest
    @CsvSource({"UNTRUSTED_CA, not trusted", "WRONG_HOST, does not match its host name", "EXPIRED, expired"})
    void aCertificateProblemIsA503ThatSaysWhich(TestRelay.Certificate certificate, String reason) throws Exception {
        try (Harness h = new Harness(TestRelay.start(certificate))) {
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
            assertEquals(503, answer.get("statusCode").asInt());
            assertEquals(
                    "urn:relaymail:problem:relay_tls_failed",
                    problem(answer).get("type").asText());
            assertTrue(
                    problem(answer).get("detail").asText().contains(reason),
                    problem(answer).toString());
            assertEquals(0, h.relay.authAttempts(), "no credentials to a relay that failed verification");
        }
    }

    @Test
    void aRelayThatOnlySpeaksTls11IsRefused() throws Exception {
        try (Harness h = new Harness(TestRelay.withTlsVersions("TLSv1.1", "TLSv1"))) {
            JsonNode answer = h.invoke(restEvent(message("ann@example.org", "x")));
            assertEquals(503, answer.get("statusCode").asInt());
            assertTrue(
                    problem(answer).get("detail").asText().contains("TLS 1.2 or newer"),
                    problem(answer).toString());
            assertEquals(0, h.relay.authAttempts());
        }
        try (Harness h = new Harness(TestRelay.withTlsVersions("TLSv1.2"))) {
            assertEquals(
                    202,
                    h.invoke(restEvent(message("ann@example.org", "x")))
                            .get("statusCode")
                            .asInt());
        }
    }

    @Test
    void theFunctionIsNotAnOpenRelay() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            for (String from : List.of(
                    "ceo@evil.example",
                    "billing@example.com.evil.example",
                    "billing@ex\u0430mple.com",
                    "billing@sub.example.com",
                    "\"billing@example.com\" <x@evil.example>")) {
                JsonNode answer =
                        h.invoke(restEvent(message("ann@example.org", "x").put("from", from)));
                assertEquals(403, answer.get("statusCode").asInt(), from);
                assertTrue(problem(answer).get("detail").asText().contains("@"), from);
            }
            assertEquals(0, relay.connections());
        }
    }

    @Test
    void envelopeSenderAndFromHeaderAgree() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            h.invoke(restEvent(message("ann@example.org", "x").put("from", "Billing <Billing@Example.com>")));
            assertTrue(
                    relay.transcript().contains("MAIL FROM:<Billing@example.com>"),
                    relay.transcript().toString());
            String from = parse(unstuffed(relay.payloads().get(0))).getFrom()[0].toString();
            assertEquals("Billing <Billing@example.com>", from);
            assertFalse(relay.transcript().stream().anyMatch(l -> l.contains("SMTPUTF8")));
        }
    }
}
