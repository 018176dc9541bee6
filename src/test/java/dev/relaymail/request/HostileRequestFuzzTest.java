package dev.relaymail.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.mime.MessageIds;
import dev.relaymail.mime.MimeComposer;
import dev.relaymail.template.MustacheTemplates;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Histogram;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Hostile requests, generated: every one is either refused with named fields, or composed into a message that, parsed
 * again, has no header the request did not ask for, only envelope recipients the request named, and exactly the
 * subject and custom header values it was given.
 */
class HostileRequestFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> STANDARD = Set.of(
            "date",
            "from",
            "to",
            "cc",
            "reply-to",
            "message-id",
            "subject",
            "mime-version",
            "content-type",
            "content-transfer-encoding");
    /** Characters that must never pass into a header or command. */
    private static final List<String> FORBIDDEN = List.of(
            "\r",
            "\n",
            "\r\n",
            "\u0000",
            "\t",
            "\u000b",
            "\u0085",
            "\u2028",
            "\r\n.\r\n",
            "\n.\n",
            "\r\nBcc: victim@evil.example",
            "\nRCPT TO:<x@evil.example>");
    /** Legal but tricky: non-ASCII that could become CR or LF as a single byte, quotes, encoded-word lookalikes. */
    private static final List<String> TRICKY = List.of(
            "\u760d",
            "\u760a",
            "\u202e",
            "ü",
            "ß",
            "日本",
            "😀",
            "\"",
            "<",
            ">",
            ",",
            ";",
            ":",
            "@",
            "\\",
            "=?UTF-8?B?",
            "?=",
            "=0D=0A",
            "Bcc: victim@evil.example",
            "RCPT TO:<x@evil.example>",
            "Content-Type: text/html",
            " ",
            "  ",
            "a",
            "Z",
            "0",
            ".",
            "-",
            "_",
            "=");

    private final RequestReader reader = new RequestReader(
            new RequestLimits(20, 5_000_000),
            Optional.of(MailAddress.parse("Acme <noreply@example.com>")),
            AttachmentPolicy.defaults(),
            Set.of(),
            MustacheTemplates.bundled());
    private final MimeComposer composer = new MimeComposer(new MessageIds(), Clock.systemUTC(), 5_000_000);

    /** Mostly tricky but legal text; one time in ten with something that must be refused somewhere in it. */
    @Provide
    Arbitrary<String> hostile() {
        Arbitrary<String> tricky =
                Arbitraries.of(TRICKY).list().ofMinSize(1).ofMaxSize(12).map(parts -> String.join("", parts));
        Arbitrary<String> forbidden =
                Combinators.combine(tricky, Arbitraries.of(FORBIDDEN), tricky).as((a, f, b) -> a + f + b);
        return Arbitraries.frequencyOf(Tuple.of(9, tricky), Tuple.of(1, forbidden));
    }

    /** Display names: unquoted without quotes or angle brackets, quoted with escapes, or raw and hostile. */
    @Provide
    Arbitrary<String> name() {
        Arbitrary<String> unquoted = hostile().map(h -> h.replaceAll("[\"<>\\\\]", ""));
        Arbitrary<String> quoted =
                hostile().map(h -> "\"" + h.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just("")), Tuple.of(4, unquoted), Tuple.of(3, quoted), Tuple.of(1, hostile()));
    }

    @Provide
    Arbitrary<String> address() {
        Arbitrary<String> local = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.of("ann", "bob.smith", "x+tag", "o'brien", "A.B")), Tuple.of(1, hostile()));
        Arbitrary<String> domain = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.of("example.org", "bücher.example", "EXAMPLE.net", "ex\u760dample.org")),
                Tuple.of(1, hostile().map(h -> "ex" + h + ".org")));
        return Combinators.combine(name(), local, domain)
                .as((n, l, d) -> n.isBlank() ? l + "@" + d : n + " <" + l + "@" + d + ">");
    }

    @Property(tries = 2000, edgeCases = EdgeCasesMode.MIXIN)
    @StatisticsReport(format = Histogram.class)
    void everyRequestIsRefusedByFieldOrComposedWithoutAnyInjection(
            @ForAll("name") String fromName,
            @ForAll("address") String to,
            @ForAll("address") String cc,
            @ForAll("hostile") String subject,
            @ForAll("hostile") String text,
            @ForAll("hostile") String headerValue,
            @ForAll("hostile") String filename)
            throws Exception {
        Statistics.coverage(coverage -> {
            coverage.check("composed").percentage(p -> p >= 8);
            coverage.check("refused").percentage(p -> p >= 20);
        });
        ObjectNode request = JSON.createObjectNode();
        request.put("from", fromName + " <noreply@example.com>");
        request.put("to", to);
        request.putArray("cc").add(cc);
        request.put("subject", "s" + subject);
        request.put("text", text);
        request.putObject("headers").put("X-Fuzz", headerValue);
        ArrayNode attachments = request.putArray("attachments");
        attachments
                .addObject()
                .put("filename", "f" + filename)
                .put("content", Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));

        SendRequest read;
        try {
            read = reader.read(request.toString().getBytes(StandardCharsets.UTF_8), Optional.empty());
        } catch (RequestRejectedException e) {
            assertRefusedByField(e);
            Statistics.collect("refused");
            return;
        }
        ComposedMessage composed;
        try {
            composed = composer.compose(read);
        } catch (RequestRejectedException e) {
            assertRefusedByField(e);
            Statistics.collect("refused");
            return;
        }
        Statistics.collect("composed");
        byte[] bytes = composed.mime();
        for (int i = 0; i < bytes.length; i++) {
            assertTrue(bytes[i] >= 0, "non-ASCII byte at " + i);
            if (bytes[i] == '\n') {
                assertEquals('\r', bytes[i - 1], "bare LF at " + i);
            }
        }
        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));

        Map<String, Integer> headers = headerCounts(parsed);
        for (Map.Entry<String, Integer> header : headers.entrySet()) {
            assertTrue(
                    STANDARD.contains(header.getKey()) || header.getKey().equals("x-fuzz"),
                    "header the request did not ask for: " + header.getKey());
            assertEquals(1, header.getValue(), "header given twice: " + header.getKey());
        }
        assertEquals(read.subject(), parsed.getSubject());
        assertEquals(
                headerValue.strip(),
                MimeUtility.decodeText(MimeUtility.unfold(parsed.getHeader("X-Fuzz", null)))
                        .strip());

        Set<String> named = addresses(List.of(read.from()), read.to(), read.cc());
        for (MailAddress recipient : composed.envelopeRecipients()) {
            assertTrue(named.contains(recipient.address()), "envelope recipient not in the request: " + recipient);
            assertTrue(recipient.address().chars().allMatch(c -> c > 0x20 && c < 0x7f));
        }
        assertEquals(
                read.to().stream().map(MailAddress::address).toList(),
                List.of(parsed.getRecipients(Message.RecipientType.TO)).stream()
                        .map(a -> ((InternetAddress) a).getAddress())
                        .toList());
        assertEquals(
                read.to().stream().map(a -> a.displayName().orElse(null)).toList(),
                List.of(parsed.getRecipients(Message.RecipientType.TO)).stream()
                        .map(a -> ((InternetAddress) a).getPersonal())
                        .toList(),
                "display names read as given");
        assertEquals(read.from().displayName().orElse(null), ((InternetAddress) parsed.getFrom()[0]).getPersonal());
        for (jakarta.mail.Address header : parsed.getAllRecipients()) {
            assertTrue(named.contains(((InternetAddress) header).getAddress()), "header recipient not in the request");
        }
    }

    private static void assertRefusedByField(RequestRejectedException e) {
        assertFalse(e.errors().isEmpty());
        Set<String> roots = Set.of("from", "to", "cc", "subject", "text", "headers", "attachments");
        for (FieldError error : e.errors()) {
            String root = error.field().split("[.\\[]", 2)[0];
            assertTrue(roots.contains(root), "refusal without a known field: " + error);
            assertFalse(error.message().isBlank());
        }
    }

    private static Map<String, Integer> headerCounts(MimeMessage message) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (Enumeration<jakarta.mail.Header> e = message.getAllHeaders(); e.hasMoreElements(); ) {
            counts.merge(e.nextElement().getName().toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        return counts;
    }

    @SafeVarargs
    private static Set<String> addresses(List<MailAddress>... lists) {
        List<MailAddress> all = new ArrayList<>();
        for (List<MailAddress> list : lists) {
            all.addAll(list);
        }
        return all.stream().map(MailAddress::address).collect(Collectors.toSet());
    }
}
