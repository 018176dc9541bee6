package dev.relaymail.mime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.Attachment;
import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.Header;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.SendRequest;
import jakarta.activation.CommandMap;
import jakarta.activation.DataContentHandler;
import jakarta.activation.DataSource;
import jakarta.activation.MailcapCommandMap;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MimeComposerTest {
    private static final Instant NOW = Instant.parse("2026-11-26T09:15:42Z");
    private static final byte[] PDF = "%PDF-1.4 fake but binary \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 1, 2};

    private final MimeComposer composer =
            new MimeComposer(new MessageIds(), Clock.fixed(NOW, ZoneOffset.UTC), 10_000_000);

    static SendRequest request(
            Optional<String> text, Optional<String> html, List<Attachment> attachments, Optional<String> key) {
        return new SendRequest(
                MailAddress.parse("Billing Müller <billing@example.com>"),
                List.of(MailAddress.parse("Ann Müller <ann@example.org>"), MailAddress.parse("bob@example.net")),
                List.of(MailAddress.parse("carol@example.org")),
                List.of(MailAddress.parse("audit@example.com")),
                List.of(MailAddress.parse("support@example.com")),
                "Ihre Rechnung – März",
                text,
                html,
                attachments,
                List.of(new Header("X-Campaign", "2026-11")),
                Map.of("tenant", "acme"),
                key);
    }

    static SendRequest invoice() {
        return request(
                Optional.of("Hallo Ann,\nanbei die Rechnung."),
                Optional.of("<p>Hallo <img src=\"cid:logo\"></p>"),
                List.of(
                        new Attachment("rechnung-märz.pdf", "application/pdf", PDF, Optional.empty()),
                        new Attachment("logo.png", "image/png", PNG, Optional.of("logo"))),
                Optional.empty());
    }

    static MimeMessage parse(byte[] bytes) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
    }

    @Test
    void writesEveryMultipartCompleteWithNothingAroundItsParts() throws Exception {
        byte[] bytes = composer.compose(invoice()).mime();
        String mime = new String(bytes, StandardCharsets.ISO_8859_1);
        MimeMultipart mixed = (MimeMultipart) parse(bytes).getContent();
        MimeMultipart related = (MimeMultipart) mixed.getBodyPart(0).getContent();
        MimeMultipart alternative = (MimeMultipart) related.getBodyPart(0).getContent();

        for (MimeMultipart multipart : List.of(mixed, related, alternative)) {
            assertTrue(multipart.isComplete(), "ends with its closing delimiter");
            assertNull(multipart.getPreamble());
        }
        assertEquals(6, mime.split("\r\n--=_rm_[a-z2-7]{24}\r\n", -1).length - 1, "one delimiter per part");
        assertEquals(3, mime.split("\r\n--=_rm_[a-z2-7]{24}--\r\n", -1).length - 1, "one close per multipart");
        assertTrue(mime.endsWith("--\r\n"), "nothing after the last close");
        assertFalse(mime.contains("\r\n\r\n\r\n"), "one empty line between a part's headers and its content");
    }

    @Test
    void composesTheUsualTreeWithDecodableHeaders() throws Exception {
        ComposedMessage composed = composer.compose(invoice());
        MimeMessage m = parse(composed.mime());

        assertEquals("Ihre Rechnung – März", m.getSubject());
        InternetAddress from = (InternetAddress) m.getFrom()[0];
        assertEquals("Billing Müller", from.getPersonal());
        assertEquals("billing@example.com", from.getAddress());
        assertEquals("Ann Müller", ((InternetAddress) m.getRecipients(Message.RecipientType.TO)[0]).getPersonal());
        assertEquals(2, m.getRecipients(Message.RecipientType.TO).length);
        assertEquals("carol@example.org", m.getRecipients(Message.RecipientType.CC)[0].toString());
        assertNull(m.getHeader("Bcc"), "bcc recipients are only in the envelope");
        assertEquals("support@example.com", m.getReplyTo()[0].toString());
        assertEquals(Date.from(NOW), m.getSentDate());
        assertEquals("Thu, 26 Nov 2026 09:15:42 +0000", m.getHeader("Date", null));
        assertEquals("2026-11", m.getHeader("X-Campaign", null));
        assertEquals(composed.messageId(), m.getMessageID());
        assertEquals("1.0", m.getHeader("MIME-Version", null));

        Multipart mixed = (Multipart) m.getContent();
        assertTrue(m.isMimeType("multipart/mixed"));
        assertEquals(2, mixed.getCount());
        BodyPart relatedPart = mixed.getBodyPart(0);
        assertTrue(relatedPart.isMimeType("multipart/related"));
        Multipart related = (Multipart) relatedPart.getContent();
        assertEquals(2, related.getCount());
        Multipart alternative = (Multipart) related.getBodyPart(0).getContent();
        assertTrue(related.getBodyPart(0).isMimeType("multipart/alternative"));
        assertTrue(alternative.getBodyPart(0).isMimeType("text/plain"));
        assertEquals(
                "Hallo Ann,\r\nanbei die Rechnung.", alternative.getBodyPart(0).getContent());
        assertTrue(alternative.getBodyPart(1).isMimeType("text/html"));
        assertTrue(alternative.getBodyPart(1).getContentType().toLowerCase().contains("charset=utf-8"));

        BodyPart inline = related.getBodyPart(1);
        assertEquals("<logo>", inline.getHeader("Content-ID")[0]);
        assertEquals(Part.INLINE, inline.getDisposition());
        assertArrayEquals(PNG, inline.getInputStream().readAllBytes());

        BodyPart pdf = mixed.getBodyPart(1);
        assertEquals(Part.ATTACHMENT, pdf.getDisposition());
        assertEquals("rechnung-märz.pdf", pdf.getFileName(), "RFC 2231 filename decodes");
        assertEquals(
                "attachment;\r\n\tfilename*=UTF-8''rechnung-m%C3%A4rz.pdf",
                pdf.getHeader("Content-Disposition")[0],
                "the name once, in RFC 2231 form: no second name for a reader to prefer");
        assertEquals(
                "application/pdf;\r\n\tname=\"=?UTF-8?B?cmVjaG51bmctbcOkcnoucGRm?=\"",
                pdf.getHeader("Content-Type")[0],
                "RFC 2047 for readers that cannot read RFC 2231");
        assertTrue(pdf.isMimeType("application/pdf"));
        assertArrayEquals(PDF, pdf.getInputStream().readAllBytes());
    }

    @Test
    void writesItsMultipartsWithoutLookingUpAWriterInActivationsRegistry() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        CommandMap before = CommandMap.getDefaultCommandMap();
        CommandMap.setDefaultCommandMap(new MailcapCommandMap() {
            @Override
            public synchronized DataContentHandler createDataContentHandler(String mimeType) {
                lookups.incrementAndGet();
                return super.createDataContentHandler(mimeType);
            }

            @Override
            public synchronized DataContentHandler createDataContentHandler(String mimeType, DataSource source) {
                lookups.incrementAndGet();
                return super.createDataContentHandler(mimeType, source);
            }
        });
        byte[] mime;
        try {
            mime = composer.compose(invoice()).mime();
        } finally {
            CommandMap.setDefaultCommandMap(before);
        }

        assertEquals(0, lookups.get(), "a lookup, a class loaded by name and an instance made by reflection each");
        assertTrue(parse(mime).isMimeType("multipart/mixed"));
    }

    @Test
    void envelopeHasEveryRecipientOnceWithoutNames() throws Exception {
        SendRequest r = invoice();
        ComposedMessage composed = composer.compose(new SendRequest(
                r.from(),
                r.to(),
                List.of(MailAddress.parse("BOB@example.net")),
                r.bcc(),
                r.replyTo(),
                r.subject(),
                r.text(),
                r.html(),
                r.attachments(),
                r.headers(),
                r.tags(),
                r.idempotencyKey()));
        assertEquals(
                List.of("ann@example.org", "bob@example.net", "audit@example.com"),
                composed.envelopeRecipients().stream().map(MailAddress::address).toList());
        assertEquals("billing@example.com", composed.envelopeFrom().address());
        assertTrue(composed.envelopeFrom().displayName().isEmpty());
    }

    @Test
    void textOnlyIsASinglePart() throws Exception {
        MimeMessage m =
                parse(composer.compose(request(Optional.of("Just text"), Optional.empty(), List.of(), Optional.empty()))
                        .mime());
        assertTrue(m.isMimeType("text/plain"));
        assertEquals("Just text\r\n", m.getContent(), "the data ends with a line break, as SMTP requires");
    }

    @Test
    void htmlWithAttachmentIsMixedWithoutAlternative() throws Exception {
        MimeMessage m = parse(composer.compose(request(
                        Optional.empty(),
                        Optional.of("<b>x</b>"),
                        List.of(new Attachment("a.pdf", "application/pdf", PDF, Optional.empty())),
                        Optional.empty()))
                .mime());
        Multipart mixed = (Multipart) m.getContent();
        assertTrue(mixed.getBodyPart(0).isMimeType("text/html"));
        assertTrue(mixed.getBodyPart(1).isMimeType("application/pdf"));
    }

    @Test
    void everyLineEndsWithCrlfAndFitsIn998() throws Exception {
        String longWord = "x".repeat(3000);
        byte[] bytes = composer.compose(request(
                        Optional.of(longWord + "\nbare LF\rbare CR"),
                        Optional.empty(),
                        List.of(new Attachment("ü".repeat(200) + ".pdf", "application/pdf", PDF, Optional.empty())),
                        Optional.empty()))
                .mime();
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                assertEquals('\r', text.charAt(i - 1), "bare LF at " + i);
            }
            if (text.charAt(i) == '\r') {
                assertEquals('\n', text.charAt(i + 1), "bare CR at " + i);
            }
        }
        for (String line : text.split("\r\n")) {
            assertTrue(line.length() <= 998, "line of " + line.length());
        }
        assertEquals(
                "ü".repeat(200) + ".pdf",
                ((Multipart) parse(bytes).getContent()).getBodyPart(1).getFileName());
    }

    @Test
    void encodesNonAsciiCustomHeaderValues() throws Exception {
        SendRequest r = invoice();
        SendRequest withHeader = new SendRequest(
                r.from(),
                r.to(),
                r.cc(),
                r.bcc(),
                r.replyTo(),
                r.subject(),
                r.text(),
                r.html(),
                List.of(),
                List.of(new Header("X-Kunde", "Müller GmbH")),
                r.tags(),
                r.idempotencyKey());
        MimeMessage m = parse(composer.compose(withHeader).mime());
        assertTrue(m.getHeader("X-Kunde")[0].startsWith("=?UTF-8?"));
        assertEquals("Müller GmbH", MimeUtility.decodeText(m.getHeader("X-Kunde")[0]));
    }

    @Test
    void messageIdIsRandomWithoutKeyAndDerivedFromAKey() throws Exception {
        String a = composer.compose(invoice()).messageId();
        String b = composer.compose(invoice()).messageId();
        assertNotEquals(a, b);
        assertTrue(a.matches("<[a-z2-7]{26}@example\\.com>"), a);
        SendRequest keyed = request(Optional.of("t"), Optional.empty(), List.of(), Optional.of("order-1234"));
        assertEquals(
                composer.compose(keyed).messageId(), composer.compose(keyed).messageId());
        SendRequest other = request(Optional.of("t"), Optional.empty(), List.of(), Optional.of("order-1235"));
        assertNotEquals(
                composer.compose(keyed).messageId(), composer.compose(other).messageId());
    }

    @Test
    void refusesAMessageOneByteOverTheLimitAndAcceptsOneAtIt() throws Exception {
        int size = composer.compose(request(Optional.of("t"), Optional.empty(), List.of(), Optional.of("k")))
                .size();
        SendRequest keyed = request(Optional.of("t"), Optional.empty(), List.of(), Optional.of("k"));
        MimeComposer exact = new MimeComposer(new MessageIds(), Clock.fixed(NOW, ZoneOffset.UTC), size);
        assertEquals(size, exact.compose(keyed).size());
        MimeComposer tooSmall = new MimeComposer(new MessageIds(), Clock.fixed(NOW, ZoneOffset.UTC), size - 1);
        RequestRejectedException e = assertThrows(RequestRejectedException.class, () -> tooSmall.compose(keyed));
        assertEquals(RequestRejectedException.Reason.TOO_LARGE, e.reason());
        assertTrue(e.errors().get(0).message().contains("limit of " + (size - 1) + " bytes"));
    }

    @Test
    void mostlyNonAsciiTextIsBase64AndMostlyAsciiIsQuotedPrintable() throws Exception {
        MimeMessage cjk =
                parse(composer.compose(request(Optional.of("こんにちは世界"), Optional.empty(), List.of(), Optional.empty()))
                        .mime());
        assertEquals("base64", cjk.getEncoding());
        assertEquals("こんにちは世界", cjk.getContent(), "trailing CRLF after base64 is not content");
        MimeMessage latin = parse(
                composer.compose(request(Optional.of("Grüße aus Köln"), Optional.empty(), List.of(), Optional.empty()))
                        .mime());
        assertEquals("quoted-printable", latin.getEncoding());
        assertFalse(new String(
                        composer.compose(request(Optional.of("Grüße"), Optional.empty(), List.of(), Optional.empty()))
                                .mime(),
                        StandardCharsets.ISO_8859_1)
                .contains("Grüße"));
    }

    private static SendRequest withHeader(Header header) {
        SendRequest r = invoice();
        return new SendRequest(
                r.from(),
                r.to(),
                r.cc(),
                r.bcc(),
                r.replyTo(),
                r.subject(),
                r.text(),
                r.html(),
                List.of(),
                List.of(header),
                r.tags(),
                r.idempotencyKey());
    }

    @Test
    void foldsLongHeadersIntoLinesWellUnder998() throws Exception {
        String words = String.join(" ", java.util.Collections.nCopies(200, "word"));
        byte[] bytes = composer.compose(withHeader(new Header("X-Long", words))).mime();
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        String header = text.substring(text.indexOf("X-Long:"), text.indexOf("\r\n\r\n"));
        for (String line : header.split("\r\n")) {
            assertTrue(line.length() <= 78, "line of " + line.length());
        }
        assertEquals(words, parse(bytes).getHeader("X-Long", null).replaceAll("\\s+", " "));
    }

    @Test
    void refusesAHeaderThatCannotBeFoldedUnder998() {
        RequestRejectedException e = assertThrows(
                RequestRejectedException.class,
                () -> composer.compose(withHeader(new Header("X-Token", "t".repeat(990)))));
        assertEquals("headers.X-Token", e.errors().get(0).field());
        assertTrue(e.errors().get(0).message().contains("998"));
    }

    @Test
    void theSizeLimitCountsTheEncodedAttachment() throws Exception {
        SendRequest withFile = request(
                Optional.of("t"),
                Optional.empty(),
                List.of(new Attachment("a.bin", "application/octet-stream", new byte[3000], Optional.empty())),
                Optional.of("k"));
        int size = composer.compose(withFile).size();
        assertTrue(size > 4000, "3000 bytes take about 4100 in base64, plus headers: " + size);
        for (int limit : new int[] {size - 1, size, size + 1}) {
            MimeComposer bounded = new MimeComposer(new MessageIds(), Clock.fixed(NOW, ZoneOffset.UTC), limit);
            if (limit < size) {
                assertThrows(RequestRejectedException.class, () -> bounded.compose(withFile));
            } else {
                assertEquals(size, bounded.compose(withFile).size());
            }
        }
    }

    @Test
    void textThatLooksLikeAnEncodedWordReachesTheReaderAsWritten() throws Exception {
        String tricky = "=?UTF-8?B?SGk=?= and =?UTF-8?B??= stay literal, even when long: " + "x".repeat(120) + " ü";
        SendRequest r = request(Optional.of("t"), Optional.empty(), List.of(), Optional.empty());
        SendRequest looking = new SendRequest(
                new MailAddress(Optional.of("=?UTF-8?Q?Boss?="), "billing", "example.com"),
                r.to(),
                r.cc(),
                r.bcc(),
                r.replyTo(),
                tricky,
                r.text(),
                r.html(),
                List.of(),
                List.of(new Header("X-Note", tricky)),
                r.tags(),
                r.idempotencyKey());
        byte[] bytes = composer.compose(looking).mime();
        MimeMessage m = parse(bytes);

        assertEquals(tricky, m.getSubject());
        assertEquals(tricky, MimeUtility.decodeText(MimeUtility.unfold(m.getHeader("X-Note", null))));
        assertEquals("=?UTF-8?Q?Boss?=", ((InternetAddress) m.getFrom()[0]).getPersonal());
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertFalse(text.substring(0, text.indexOf("\r\n\r\n")).contains("\r\n\r\n"));
        for (String line : text.split("\r\n")) {
            assertTrue(line.length() <= 998);
        }
    }

    /** Jakarta folds a subject only at white space: one too long for a line goes out encoded, and reads the same. */
    @ParameterizedTest
    @ValueSource(ints = {989, 990, 998})
    void aSubjectWithAWordTooLongForOneLineIsEncodedAndReadsAsGiven(int length) throws Exception {
        String subject = "s".repeat(length);
        SendRequest r = request(Optional.of("t"), Optional.empty(), List.of(), Optional.empty());
        SendRequest longSubject = new SendRequest(
                r.from(),
                r.to(),
                r.cc(),
                r.bcc(),
                r.replyTo(),
                subject,
                r.text(),
                r.html(),
                List.of(),
                r.headers(),
                r.tags(),
                r.idempotencyKey());
        byte[] bytes = composer.compose(longSubject).mime();

        assertEquals(subject, parse(bytes).getSubject());
        String raw = parse(bytes).getHeader("Subject", null);
        assertEquals(length > 989, raw.startsWith("=?UTF-8?B?"), "a line of 'Subject: ' and 989 fits as it is");
        for (String line : new String(bytes, StandardCharsets.ISO_8859_1).split("\r\n")) {
            assertTrue(line.length() <= 998, "line of " + line.length());
        }
    }

    /** A reader that decodes encoded words in a quoted filename would show invoice.exe for this name. */
    @Test
    void aFilenameThatLooksLikeAnEncodedWordIsNotWrittenAsOne() throws Exception {
        String name = "=?UTF-8?Q?invoice.exe?=";
        byte[] bytes = composer.compose(request(
                        Optional.of("t"),
                        Optional.empty(),
                        List.of(new Attachment(name, "application/pdf", PDF, Optional.empty())),
                        Optional.empty()))
                .mime();
        String text = new String(bytes, StandardCharsets.ISO_8859_1);

        assertFalse(text.contains(name), "the name is never written as the encoded word it looks like");
        BodyPart part = ((Multipart) parse(bytes).getContent()).getBodyPart(1);
        assertEquals(name, part.getFileName(), "the exact name");
        assertEquals(
                name,
                MimeUtility.decodeText(new ContentType(part.getContentType()).getParameter("name")),
                "the name for readers that cannot read RFC 2231 decodes, once, to the name as given");
    }

    private static List<String> headerLines(byte[] mime) {
        List<String> lines = new ArrayList<>();
        boolean inHeader = true;
        for (String line : new String(mime, StandardCharsets.ISO_8859_1).split("\r\n", -1)) {
            if (line.startsWith("--=_rm_")) {
                inHeader = true;
            } else if (line.isEmpty()) {
                inHeader = false;
            } else if (inHeader) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static SendRequest withAttachmentNames(String... names) {
        List<Attachment> attachments = new ArrayList<>();
        for (String name : names) {
            attachments.add(new Attachment(name, "application/pdf", PDF, Optional.empty()));
        }
        return request(Optional.of("t"), Optional.empty(), attachments, Optional.empty());
    }

    private static final String[] NAMES = {
        "report.pdf",
        "rechnung-märz.pdf",
        "Q3 \"final\"; report (v2).pdf",
        "第3四半期の売上報告書と来年度の事業計画に関する詳細な分析資料および各部門からの提案事項をまとめた最終版の会議用配布資料一式（社外秘）形式.pdf",
        "Quarterly report for the board meeting with every appendix, final version (approved).pdf",
        "🎉 Fête 👨‍👩‍👧 ".repeat(12) + ".png",
        "=?UTF-8?Q?invoice.exe?="
    };

    /** RFC 2231 gives no precedence between a plain and a starred name: half of the readers took the plain one. */
    @Test
    void writesEachNameOnceInEachHeader() throws Exception {
        byte[] bytes = composer.compose(withAttachmentNames(NAMES)).mime();
        Multipart mixed = (Multipart) parse(bytes).getContent();
        for (int i = 0; i < NAMES.length; i++) {
            BodyPart part = mixed.getBodyPart(i + 1);
            String disposition = MimeUtility.unfold(part.getHeader("Content-Disposition")[0]);
            String type = MimeUtility.unfold(part.getHeader("Content-Type")[0]);
            boolean plain = disposition.contains("filename=\"");
            assertEquals(plain ? 0 : 1, disposition.split("filename\\*(0\\*)?=", -1).length - 1, disposition);
            assertEquals(plain ? 1 : 0, disposition.split("filename=", -1).length - 1, disposition);
            assertEquals(1, type.split("name=", -1).length - 1, type);
            assertFalse(type.contains("name*"), type);
            assertEquals(NAMES[i], part.getFileName());
        }
    }

    /** A reader that decodes segment by segment would show U+FFFD for a character cut between two of them. */
    @Test
    void cutsContinuationsBetweenCharacters() throws Exception {
        byte[] bytes = composer.compose(withAttachmentNames(NAMES)).mime();
        Matcher segment = Pattern.compile("filename\\*\\d+\\*=(?:UTF-8'')?([^;\\r]*)")
                .matcher(new String(bytes, StandardCharsets.ISO_8859_1));
        int segments = 0;
        while (segment.find()) {
            byte[] raw = URLDecoder.decode(segment.group(1).replace("+", "%2B"), StandardCharsets.ISO_8859_1)
                    .getBytes(StandardCharsets.ISO_8859_1);
            assertDoesNotThrow(
                    () -> StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(raw)),
                    segment.group());
            segments++;
        }
        assertTrue(segments > 10, "the long names are split: " + segments);
    }

    /**
     * RFC 5322: 78 where the content allows: every header here, long names and subject included, but a display name,
     * one encoded word with its address (Python's email reads a space where one is split).
     */
    @Test
    void everyHeaderLineFitsIn78ButADisplayName() throws Exception {
        SendRequest names = withAttachmentNames(NAMES);
        SendRequest request = new SendRequest(
                MailAddress.parse("\"Müller, Schmidt & Partner Steuerberatungsgesellschaft mbH (Buchhaltung)\" "
                        + "<billing@example.com>"),
                List.of(
                        MailAddress.parse("山田太郎 株式会社サンプル 営業部 第一営業課 課長代理 <ann@example.org>"),
                        MailAddress.parse("=?UTF-8?Q?Boss?= and a long name that goes on <boss@example.org>")),
                names.cc(),
                names.bcc(),
                List.of(MailAddress.parse("=?x?= Ярослава Всеволодовна Преображенская-Оболенская <r@example.com>")),
                "=?UTF-8?B?x?= 第3四半期の売上報告書と来年度の事業計画に関する詳細な分析資料および各部門からの提案事項",
                names.text(),
                names.html(),
                names.attachments(),
                List.of(
                        new Header("X-Note", "=?not?encoded?= " + "Überschrift ".repeat(10)),
                        new Header("X-Campaign-Identifier-Of-The-Sender", "Überschrift ".repeat(10))),
                names.tags(),
                names.idempotencyKey());

        List<String> lines = headerLines(composer.compose(request).mime());
        for (String line : lines) {
            boolean displayName =
                    line.matches("(\\s+|(From|To|Reply-To): )=\\?UTF-8\\?B\\?[A-Za-z0-9+/=]+\\?=( <[^>]+>,?)?");
            assertTrue(line.length() <= (displayName ? 998 : 78), line.length() + ": " + line);
        }
        assertTrue(lines.stream().anyMatch(line -> line.length() > 78), "the long display names are one word");
    }

    @Test
    void writesListUnsubscribeAsItIsEvenWhenItsUrlLooksLikeAnEncodedWord() throws Exception {
        SendRequest base = invoice();
        SendRequest request = new SendRequest(
                base.from(),
                base.to(),
                base.cc(),
                base.bcc(),
                base.replyTo(),
                base.subject(),
                base.text(),
                base.html(),
                base.attachments(),
                List.of(
                        new Header(
                                "List-Unsubscribe",
                                "<https://example.com/u?x=?y?=" + "t".repeat(80) + ">, <mailto:unsub@example.com>"),
                        new Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                        new Header("X-Note", "=?not?encoded?=")),
                base.tags(),
                base.idempotencyKey());

        MimeMessage m = parse(composer.compose(request).mime());

        assertEquals(
                "<https://example.com/u?x=?y?=" + "t".repeat(80) + ">, <mailto:unsub@example.com>",
                MimeUtility.unfold(m.getHeader("List-Unsubscribe", null)));
        assertEquals("List-Unsubscribe=One-Click", m.getHeader("List-Unsubscribe-Post", null));
        assertTrue(m.getHeader("X-Note", null).startsWith("=?UTF-8?B?"), "free text is still shown literally");
    }
}
