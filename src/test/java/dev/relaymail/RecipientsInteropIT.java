package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.Templates;
import dev.relaymail.template.MustacheTemplates;
import dev.relaymail.testing.Harness;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #20: every recipient's software reads the message exactly as it was sent. The messages users send (names in
 * several scripts, long names, names with quotes and semicolons, inline images, an invitation, CJK and HTML-only
 * bodies, a long HTML line, lines starting with {@code From } and {@code .}, each bundled template) go through the real
 * function to the test relay; the bytes the relay received are read back by four independent parsers in three
 * languages: Apache James mime4j (Java, here), Python's {@code email} with {@code policy.default} (Debian's
 * {@code /usr/bin/python3}), and mailparser and postal-mime (npm). Each must read the exact subject, display names,
 * text and HTML, and every part's name, type, disposition, Content-ID and bytes. SpamAssassin's local tests must find
 * no fault in how the messages are built. Nodemailer writes the same messages for the comparison in
 * docs/recipients.md, whose tables are the ones this test makes.
 *
 * <p>{@code .ci/run} installs what this needs: {@code spamassassin} and {@code python3} from Debian, and the npm
 * packages of {@code src/test/interop} ({@code npm ci}).
 */
class RecipientsInteropIT {
    private static final Path INTEROP = Path.of("src", "test", "interop");
    private static final Path OUT = Path.of("target", "interop");
    private static final Path DOC = Path.of("docs", "recipients.md");
    private static final List<String> PARSERS = List.of("mime4j", "Python email", "mailparser", "postal-mime");
    private static final List<String> FIELDS = List.of("subject", "from", "to", "text", "html", "attachments");

    /**
     * SpamAssassin's rules about how a message is built (header syntax and encoding, the MIME tree, transfer
     * encodings, line lengths, the text alternative matching the HTML), not about what it says or where it came from.
     */
    static final Set<String> STRUCTURAL_RULES = new TreeSet<>(Set.of(
            "BAD_ENC_HEADER",
            "BASE64_LENGTH_78_79",
            "BASE64_LENGTH_79_INF",
            "CHARSET_FARAWAY_HEADER",
            "CTE_8BIT_MISMATCH",
            "EMPTY_MESSAGE",
            "FROM_ADDR_WS",
            "FROM_EXCESS_BASE64",
            "FROM_UNBAL2",
            "FROM_WSP_TRAIL",
            "HEADER_COUNT_CTYPE",
            "HEADER_COUNT_SUBJECT",
            "HEAD_ILLEGAL_CHARS",
            "HEAD_LONG",
            "INVALID_DATE",
            "INVALID_DATE_TZ_ABSURD",
            "INVALID_MSGID",
            "MIMEPART_LIMIT_EXCEEDED",
            "MIME_BAD_ISO_CHARSET",
            "MIME_BASE64_TEXT",
            "MIME_BOUND_DD_DIGITS",
            "MIME_BOUND_DIGITS_15",
            "MIME_BOUND_EQ_REL",
            "MIME_BOUND_MANY_HEX",
            "MIME_CHARSET_FARAWAY",
            "MIME_HEADER_CTYPE_ONLY",
            "MIME_HTML_MOSTLY",
            "MIME_HTML_ONLY",
            "MIME_HTML_ONLY_MULTI",
            "MIME_NO_TEXT",
            "MIME_QP_LONG_LINE",
            "MISSING_DATE",
            "MISSING_FROM",
            "MISSING_HB_SEP",
            "MISSING_HEADERS",
            "MISSING_MID",
            "MISSING_MIME_HB_SEP",
            "MISSING_SUBJECT",
            "MPART_ALT_DIFF",
            "MPART_ALT_DIFF_COUNT",
            "MSGID_HDR_MALF",
            "MSGID_MULTIPLE_AT",
            "MSGID_NOFQDN1",
            "MSGID_SHORT",
            "MULTIPART_ALT_NON_TEXT",
            "NO_HEADERS_MESSAGE",
            "SUBJECT_NEEDS_ENCODING",
            "TO_MALFORMED",
            "T_MIME_MALF"));

    /**
     * What a parser reads otherwise however the message is written: postal-mime decodes the encoded words it finds in
     * a name after decoding RFC 2231, so a name that is literally an encoded word shows decoded (the blocklist checks
     * that name too: AttachmentPolicyTest); and it gives an invitation with LF line breaks, by design.
     */
    private static final Map<String, List<String>> UNAVOIDABLE = Map.of(
            "postal-mime encoded-word-name", List.of("attachments invoice.pdf"),
            "postal-mime calendar", List.of("attachments einladung.ics"));

    /** The message each case is, as a reader should show it: a send request without a template. */
    private static final Map<String, ObjectNode> LITERAL = new LinkedHashMap<>();
    /** What the relay received for each case. */
    private static final Map<String, Path> SENT = new LinkedHashMap<>();

    @BeforeAll
    static void sendEveryCase() throws Exception {
        Path folder = Files.createDirectories(OUT.resolve("relaymail"));
        try (Harness h = new Harness()) {
            for (Map.Entry<String, ObjectNode> c : cases().entrySet()) {
                JsonNode answer = h.invoke(Harness.httpApiEvent(c.getValue()));
                assertEquals(202, answer.get("statusCode").asInt(), c.getKey() + ": " + answer);
                byte[] received = h.relay.received().get(SENT.size()).data();
                SENT.put(c.getKey(), Files.write(folder.resolve(c.getKey() + ".eml"), received));
                LITERAL.put(c.getKey(), literal(c.getValue()));
            }
        }
    }

    @Test
    void everyParserReadsEveryCaseExactly() throws Exception {
        Map<String, Map<String, List<String>>> differences = differences(read(SENT));

        List<String> found = new ArrayList<>();
        differences.forEach((parser, cases) -> cases.forEach((name, fields) -> {
            if (!fields.isEmpty() && !fields.equals(UNAVOIDABLE.get(parser + " " + name))) {
                found.add(parser + " read " + name + " differently: " + fields);
            }
        }));
        assertEquals(List.of(), found);
        assertEquals(PARSERS, List.copyOf(differences.keySet()), "every parser read every case");
    }

    /**
     * RFC 5322: header lines of at most 78 characters where the content allows, 998 always. A header line is longer
     * only when it is one word that cannot be split (here a long media type), or a display name's one encoded word
     * and its address (Python's email reads a space where a display name's encoded words are split).
     */
    @Test
    void everyHeaderLineFitsIn78WhereItCanAndEveryLineIn998() throws IOException {
        for (Map.Entry<String, Path> sent : SENT.entrySet()) {
            boolean header = true;
            for (String line : Files.readString(sent.getValue(), StandardCharsets.ISO_8859_1)
                    .split("\r\n", -1)) {
                header = line.startsWith("--=_rm_") || (header && !line.isEmpty());
                String word = line.replaceFirst("^([\\w-]+: |\\s+)", "");
                boolean unsplittable = (!word.matches(".*\\s.*") && !word.contains("=?"))
                        || word.matches("=\\?UTF-8\\?B\\?[A-Za-z0-9+/=]+\\?=( <[^>]+>,?)?");
                int limit = header && !unsplittable ? 78 : 998;
                assertTrue(line.length() <= limit, sent.getKey() + ": " + line.length() + ": " + line);
            }
        }
    }

    /**
     * SpamAssassin's local tests (no network) find no fault in how any message is built; the HTML-only case is
     * HTML-only because its request is. The rules checked exist, and fire on a message built wrong.
     */
    @Test
    void spamAssassinFindsNoStructuralFault() throws Exception {
        Set<String> known = Set.copyOf(
                run(List.of("perl", INTEROP.resolve("spamassassin.pl").toString(), "--rules"))
                        .lines()
                        .toList());
        assertEquals(Set.of(), difference(STRUCTURAL_RULES, known), "rules this SpamAssassin does not have");

        Path broken = Files.writeString(
                OUT.resolve("broken.eml"),
                "From: a@example.com\r\nTo: b@example.org\r\nSubject: Grüße\r\nMIME-Version: 1.0\r\n"
                        + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                        + "x".repeat(200) + "\r\n",
                StandardCharsets.UTF_8);
        Map<String, Set<String>> hits = spamAssassin(List.of(broken));
        assertEquals(
                Set.of("MISSING_DATE", "MISSING_MID", "MIME_QP_LONG_LINE"),
                intersection(hits.get(broken.toString()), STRUCTURAL_RULES),
                "the check finds faults where there are some");

        Map<String, Set<String>> ours = spamAssassin(List.copyOf(SENT.values()));
        Map<String, Set<String>> faults = new LinkedHashMap<>();
        SENT.forEach((name, path) -> {
            Set<String> structural = intersection(ours.get(path.toString()), STRUCTURAL_RULES);
            if (name.equals("html-only")) {
                structural.remove("MIME_HTML_ONLY");
            }
            if (!structural.isEmpty()) {
                faults.put(name, structural);
            }
        });
        assertEquals(Map.of(), faults, "all rules hit: " + ours);
    }

    /**
     * The same messages as Nodemailer writes them, read by the same parsers: docs/recipients.md shows both tables,
     * and this keeps them what the parsers read.
     */
    @Test
    void theDocsShowWhatTheParsersRead() throws Exception {
        Path folder = Files.createDirectories(OUT.resolve("nodemailer"));
        Path cases = OUT.resolve("cases.json");
        ObjectNode all = JSON.createObjectNode();
        LITERAL.forEach(all::set);
        Files.writeString(cases, all.toString());
        node("compose_nodemailer.mjs", List.of(cases.toString(), folder.toString()));
        Map<String, Path> nodemailer = new LinkedHashMap<>();
        LITERAL.keySet().forEach(name -> nodemailer.put(name, folder.resolve(name + ".eml")));

        String tables =
                table("relaymail", differences(read(SENT))) + "\n" + table("nodemailer", differences(read(nodemailer)));
        Files.writeString(OUT.resolve("tables.md"), tables);

        String doc = Files.readString(DOC);
        for (String table : List.of("relaymail", "nodemailer")) {
            String start = "<!-- interop:" + table + " -->\n";
            String end = "<!-- /interop:" + table + " -->\n";
            String expected = tables.substring(tables.indexOf(start), tables.indexOf(end) + end.length());
            assertTrue(doc.contains(expected), DOC + " shows another table than " + OUT + "/tables.md: " + expected);
        }
    }

    // ---- the cases

    private static Map<String, ObjectNode> cases() throws Exception {
        Map<String, ObjectNode> cases = new LinkedHashMap<>();
        cases.put(
                "latin",
                message(
                        "\"Müller, Schmidt & Partner Steuerberatungsgesellschaft mbH – Abteilung Buchhaltung\" "
                                + "<billing@example.com>",
                        "Zoë Ångström <zoe@example.org>",
                        "Rechnung März – Übersicht für Zoë",
                        "Grüße aus Köln, Zoë!\nDie Rechnung für März liegt bei.\n",
                        "<p>Grüße aus Köln, Zoë!</p>\n<p>Die Rechnung für März liegt bei.</p>\n",
                        file("rechnung-märz.pdf", "application/pdf"),
                        file("Übersicht Café Ñandú – août.xlsx", "application/vnd.ms-excel")));
        cases.put(
                "cjk",
                message(
                        "山田 太郎 <billing@example.com>",
                        "株式会社サンプル 営業本部 第一営業部 第三課 課長代理 김민준 <minjun@example.org>",
                        "第3四半期の売上報告書と来年度の事業計画について",
                        "いつもお世話になっております。第3四半期の売上報告書をお送りします。ご確認のほど、よろしくお願いいたします。\n"
                                + "附件是第三季度的销售报告。请查收。\n첨부 파일은 3분기 보고서입니다.\n",
                        "<p>いつもお世話になっております。第3四半期の売上報告書をお送りします。ご確認のほど、よろしくお願いいたします。</p>\n"
                                + "<p>附件是第三季度的销售报告。请查收。</p>\n<p>첨부 파일은 3분기 보고서입니다.</p>\n",
                        file(
                                "第3四半期の売上報告書と来年度の事業計画に関する詳細な分析資料および各部門からの提案事項をまとめた最終版の会議用配布資料一式（社外秘）形式"
                                        + "の説明書と補足資料の一覧表.pdf",
                                "application/pdf"),
                        file("第三季度销售报告.pdf", "application/pdf"),
                        file("분기 보고서.hwp", "application/x-hwp")));
        cases.put(
                "cyrillic",
                message(
                        "Бухгалтерия <billing@example.com>",
                        "Ярослава Преображенская <yaroslava@example.org>",
                        "Счёт-фактура №42 за март",
                        "Здравствуйте, Ярослава!\nСчёт-фактура во вложении.\n",
                        "<p>Здравствуйте, Ярослава!</p>\n<p>Счёт-фактура во вложении.</p>\n",
                        file("Счёт-фактура №42.pdf", "application/pdf")));
        cases.put(
                "arabic",
                message(
                        "قسم الفواتير <billing@example.com>",
                        "ليلى الحسن <layla@example.org>",
                        "تقرير الربع الثالث",
                        "مرحبا ليلى،\nتجدين التقرير في المرفق.\n",
                        "<p dir=\"rtl\">مرحبا ليلى،</p>\n<p dir=\"rtl\">تجدين التقرير في المرفق.</p>\n",
                        file("تقرير الربع الثالث.pdf", "application/pdf")));
        cases.put(
                "emoji",
                message(
                        "Party Team 🎉 <billing@example.com>",
                        "Nina 👩‍💻 <nina@example.org>",
                        "Summer party 🎉🍉 — bring the family 👨‍👩‍👧",
                        "See you there! 🎈\n",
                        "<p>See you there! 🎈</p>\n",
                        file("🎉 party plan 👨‍👩‍👧‍👦 2026.png", "image/png")));
        cases.put(
                "long-names",
                message(
                        "Billing <billing@example.com>",
                        "ann@example.org",
                        "Long names",
                        "Two files.\n",
                        null,
                        file(
                                "Quarterly-report-for-the-board-meeting-with-every-appendix-and-the-auditors-notes-"
                                        + "final-version-approved-2026.pdf",
                                "application/pdf"),
                        file(
                                "Protokoll der Sitzung des Aufsichtsrats über die Prüfung des Jahresabschlusses und "
                                        + "die Gewinnverwendung (endgültige Fassung, genehmigt).docx",
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")));
        cases.put(
                "punctuation",
                message(
                        "\"Müller, Schmidt & Partner (Buchhaltung)\" <billing@example.com>",
                        "\"O'Brien; Ann\" <ann@example.org>",
                        "Re: \"final\"; report (v2) — 100% done?",
                        "Attached.\n",
                        null,
                        file("Q3 \"final\"; report (v2).pdf", "application/pdf"),
                        file("a;b=c (d) 'e' [f] {g} #1 + 50%.txt", "text/plain")));
        cases.put(
                "encoded-word-name",
                message(
                        "Billing <billing@example.com>",
                        "ann@example.org",
                        "A name that looks like an encoded word",
                        "Attached.\n",
                        null,
                        file("=?UTF-8?Q?invoice.pdf?=", "application/pdf")));
        cases.put(
                "inline-images",
                message(
                        "Acme <billing@example.com>",
                        "Ann Müller <ann@example.org>",
                        "Your monthly chart",
                        "Logo\n\nThe chart for March.\n",
                        "<p><img src=\"cid:logo\" alt=\"Logo\"></p>\n<p>The chart for März: "
                                + "<img src=\"cid:chart.2026-03@reports.example.com\" alt=\"Chart\"></p>\n",
                        file("logo.png", "image/png", "logo"),
                        file("Diagramm März.png", "image/png", "chart.2026-03@reports.example.com"),
                        file("daten.csv", "text/csv")));
        cases.put(
                "calendar",
                message(
                        "Kalender <billing@example.com>",
                        "Ann Müller <ann@example.org>",
                        "Einladung: Planung Q4 (Mo 2. Nov 10:00)",
                        "Einladung zur Planung Q4.\n",
                        null,
                        file("einladung.ics", "text/calendar; method=REQUEST; charset=UTF-8", calendar())));
        cases.put(
                "html-only",
                message(
                        "Acme <billing@example.com>",
                        "Ann Müller <ann@example.org>",
                        "Nur HTML",
                        null,
                        "<!DOCTYPE html>\n<html><body><h1>Hallo Ann</h1><p>Nur HTML, ohne Text – mit Ümlauten.</p>"
                                + "</body></html>\n"));
        cases.put(
                "long-html-line",
                message(
                        "Acme <billing@example.com>",
                        "Ann Müller <ann@example.org>",
                        "A long line",
                        "Grüße, ".repeat(700) + "\n",
                        "<html><body><p>" + "Grüße, ".repeat(700) + "</p></body></html>\n",
                        file("notes.txt", "text/plain")));
        cases.put(
                "from-and-dot",
                message(
                        "Acme <billing@example.com>",
                        "Ann Müller <ann@example.org>",
                        "From and dots",
                        "From here on, lines start oddly.\n.\n..\n.hidden\nFrom: not a header\n>From quoted\n",
                        "<pre>\nFrom here on, lines start oddly.\n.\n..\n.hidden\nFrom: not a header\n</pre>\n"));
        ObjectNode welcome = JSON.createObjectNode().put("from", "Acme Cloud <billing@example.com>");
        welcome.put("to", "Zoë Ångström <zoe@example.org>").put("template", "welcome");
        welcome.putObject("data")
                .put("name", "Zoë <Ångström> & Co")
                .put("product", "Acme Cloud – “Pro”")
                .put("email", "zoe@example.org")
                .put("loginUrl", "https://app.example.com/login?lang=de&next=/home")
                .putArray("steps")
                .add("Add your team")
                .add("Connect a relay");
        cases.put("template-welcome", welcome);
        ObjectNode reset = JSON.createObjectNode().put("from", "Acme Cloud <billing@example.com>");
        reset.put("to", "山田 太郎 <taro@example.org>").put("template", "password-reset");
        reset.putObject("data")
                .put("name", "山田 太郎")
                .put("product", "Acme Cloud")
                .put("validMinutes", 30)
                .put("resetUrl", "https://app.example.com/reset?token=abc&user=42");
        cases.put("template-password-reset", reset);
        return cases;
    }

    private static ObjectNode message(
            String from, String to, String subject, String text, String html, ObjectNode... attachments) {
        ObjectNode message =
                JSON.createObjectNode().put("from", from).put("to", to).put("subject", subject);
        if (text != null) {
            message.put("text", text);
        }
        if (html != null) {
            message.put("html", html);
        }
        if (attachments.length > 0) {
            ArrayNode list = message.putArray("attachments");
            for (ObjectNode attachment : attachments) {
                list.add(attachment);
            }
        }
        return message;
    }

    /** A file whose bytes are all 256 byte values, then its name: binary, and distinct for each name. */
    private static ObjectNode file(String name, String contentType) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[256 + nameBytes.length];
        for (int i = 0; i < 256; i++) {
            bytes[i] = (byte) i;
        }
        System.arraycopy(nameBytes, 0, bytes, 256, nameBytes.length);
        return file(name, contentType, bytes);
    }

    private static ObjectNode file(String name, String contentType, String contentId) {
        return file(name, contentType).put("contentId", contentId);
    }

    private static ObjectNode file(String name, String contentType, byte[] bytes) {
        return JSON.createObjectNode()
                .put("filename", name)
                .put("contentType", contentType)
                .put("content", Base64.getEncoder().encodeToString(bytes));
    }

    private static byte[] calendar() {
        return String.join(
                        "\r\n",
                        "BEGIN:VCALENDAR",
                        "VERSION:2.0",
                        "PRODID:-//relaymail//interop//EN",
                        "METHOD:REQUEST",
                        "BEGIN:VEVENT",
                        "UID:q4-planning-2026@example.com",
                        "DTSTAMP:20261026T090000Z",
                        "DTSTART:20261102T090000Z",
                        "DTEND:20261102T100000Z",
                        "SUMMARY:Planung Q4 – Büro Köln",
                        "ORGANIZER;CN=Kalender:mailto:billing@example.com",
                        "ATTENDEE;CN=Ann Müller;RSVP=TRUE:mailto:ann@example.org",
                        "END:VEVENT",
                        "END:VCALENDAR",
                        "")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The request as the message a reader should show: a template's rendering in place of the template. */
    private static ObjectNode literal(ObjectNode request) throws Exception {
        if (!request.has("template")) {
            return request;
        }
        Templates.Rendered rendered =
                MustacheTemplates.bundled().render(request.get("template").asText(), request.get("data"));
        return message(
                request.get("from").asText(),
                request.get("to").asText(),
                rendered.subject().strip(),
                rendered.text(),
                rendered.html());
    }

    /** What every reader should show of a message. */
    private static ObjectNode expected(ObjectNode literal) {
        ObjectNode expected = JSON.createObjectNode();
        expected.put("subject", literal.get("subject").asText());
        expected.set("from", addresses(literal.get("from").asText()));
        expected.set("to", addresses(literal.get("to").asText()));
        expected.put("text", literal.path("text").textValue());
        expected.put("html", literal.path("html").textValue());
        ArrayNode attachments = expected.putArray("attachments");
        for (JsonNode file : literal.path("attachments")) {
            ObjectNode a = attachments.addObject();
            a.put("filename", file.get("filename").asText());
            a.put("contentType", mimeType(file.get("contentType").asText()));
            a.put("disposition", file.has("contentId") ? "inline" : "attachment");
            a.put(
                    "contentId",
                    file.has("contentId") ? "<" + file.get("contentId").asText() + ">" : null);
            a.put(
                    "sha256",
                    sha256(Base64.getDecoder().decode(file.get("content").asText())));
        }
        return normalised(expected);
    }

    private static ArrayNode addresses(String address) {
        MailAddress parsed = MailAddress.parse(address);
        ArrayNode list = JSON.createArrayNode();
        list.addObject().put("name", parsed.displayName().orElse("")).put("address", parsed.address());
        return list;
    }

    // ---- reading

    /** What each parser read of each message: parser, then case, then the fields. */
    private static Map<String, Map<String, ObjectNode>> read(Map<String, Path> messages) throws Exception {
        Map<String, Map<String, ObjectNode>> read = parse(messages);
        Files.writeString(
                messages.values().iterator().next().resolveSibling("read.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(read));
        return read;
    }

    private static Map<String, Map<String, ObjectNode>> parse(Map<String, Path> messages) throws Exception {
        List<String> paths = messages.values().stream().map(Path::toString).toList();
        Map<String, Map<String, ObjectNode>> read = new LinkedHashMap<>();
        Map<String, ObjectNode> mime4j = new LinkedHashMap<>();
        for (Map.Entry<String, Path> message : messages.entrySet()) {
            mime4j.put(message.getKey(), mime4j(Files.readAllBytes(message.getValue())));
        }
        read.put("mime4j", mime4j);
        read.put(
                "Python email",
                byCase(
                        messages,
                        JSON.readTree(run(concat(
                                List.of(
                                        "/usr/bin/python3",
                                        INTEROP.resolve("read_python.py").toString()),
                                paths)))));
        JsonNode node = JSON.readTree(node("read_node.mjs", paths));
        read.put("mailparser", byCase(messages, node.get("mailparser")));
        read.put("postal-mime", byCase(messages, node.get("postal-mime")));
        return read;
    }

    private static Map<String, ObjectNode> byCase(Map<String, Path> messages, JsonNode byPath) {
        Map<String, ObjectNode> read = new LinkedHashMap<>();
        messages.forEach((name, path) -> read.put(name, (ObjectNode) byPath.get(path.toString())));
        return read;
    }

    /** mime4j's DOM: the first text/plain and text/html parts not attached as files are the bodies. */
    private static ObjectNode mime4j(byte[] mime) throws IOException {
        Message message = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(mime));
        ObjectNode read = JSON.createObjectNode();
        read.put("subject", message.getSubject());
        read.set("from", mailboxes(message.getFrom()));
        read.set("to", mailboxes(message.getTo()));
        read.putNull("text");
        read.putNull("html");
        ArrayNode attachments = read.putArray("attachments");
        List<Entity> leaves = new ArrayList<>();
        leaves(message, leaves);
        for (Entity leaf : leaves) {
            String body = leaf.getMimeType().equals("text/plain") ? "text" : "html";
            boolean isBody = leaf.getBody() instanceof TextBody
                    && (leaf.getMimeType().equals("text/plain")
                            || leaf.getMimeType().equals("text/html"))
                    && !"attachment".equals(leaf.getDispositionType())
                    && read.get(body).isNull();
            if (isBody) {
                try (InputStream in = ((TextBody) leaf.getBody()).getInputStream()) {
                    read.put(body, new String(in.readAllBytes(), leaf.getCharset()));
                }
                continue;
            }
            ObjectNode a = attachments.addObject();
            a.put("filename", leaf.getFilename());
            a.put("contentType", leaf.getMimeType());
            a.put("disposition", leaf.getDispositionType());
            Field contentId = leaf.getHeader().getField("Content-ID");
            a.put("contentId", contentId == null ? null : contentId.getBody().strip());
            try (InputStream in = ((SingleBody) leaf.getBody()).getInputStream()) {
                a.put("sha256", sha256(in.readAllBytes()));
            }
        }
        return read;
    }

    private static void leaves(Entity entity, List<Entity> leaves) {
        if (entity.getBody() instanceof Multipart multipart) {
            multipart.getBodyParts().forEach(part -> leaves(part, leaves));
        } else {
            leaves.add(entity);
        }
    }

    private static ArrayNode mailboxes(List<? extends Address> addresses) {
        ArrayNode list = JSON.createArrayNode();
        if (addresses != null) {
            for (Mailbox mailbox : new AddressList(addresses, true).flatten()) {
                list.addObject()
                        .put("name", mailbox.getName() == null ? "" : mailbox.getName())
                        .put("address", mailbox.getAddress());
            }
        }
        return list;
    }

    // ---- comparing

    /** For each parser and case, the fields read otherwise than sent, each with what was read. */
    private static Map<String, Map<String, List<String>>> differences(Map<String, Map<String, ObjectNode>> read) {
        Map<String, Map<String, List<String>>> differences = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, ObjectNode>> parser : read.entrySet()) {
            Map<String, List<String>> byCase = new LinkedHashMap<>();
            for (Map.Entry<String, ObjectNode> c : parser.getValue().entrySet()) {
                ObjectNode expected = expected(LITERAL.get(c.getKey()));
                ObjectNode actual = normalised(c.getValue());
                List<String> fields = new ArrayList<>();
                for (String field : FIELDS) {
                    if (!expected.get(field).equals(actual.get(field))) {
                        fields.add(field + " " + shown(field, expected.get(field), actual.get(field)));
                    }
                }
                byCase.put(c.getKey(), fields);
            }
            differences.put(parser.getKey(), byCase);
        }
        return differences;
    }

    /**
     * Only what no reader shows differently: line breaks as LF and none at the end (postal-mime keeps the one before
     * the boundary after a quoted-printable part), an empty body as none, a MIME type without parameters and in
     * lower case, no name as the empty name, the parts in order of name and bytes.
     */
    private static ObjectNode normalised(ObjectNode read) {
        ObjectNode out = read.deepCopy();
        for (String body : List.of("text", "html")) {
            if (out.hasNonNull(body) && !out.get(body).asText().isEmpty()) {
                out.put(body, out.get(body).asText().replace("\r\n", "\n").replaceFirst("\n+$", ""));
            } else {
                out.putNull(body);
            }
        }
        for (String list : List.of("from", "to")) {
            for (JsonNode address : out.withArray(list)) {
                if (address.get("name").isNull()) {
                    ((ObjectNode) address).put("name", "");
                }
            }
        }
        List<JsonNode> parts = new ArrayList<>();
        for (JsonNode part : out.withArray("attachments")) {
            ObjectNode p = (ObjectNode) part;
            p.put("contentType", mimeType(p.get("contentType").asText()));
            parts.add(p);
        }
        parts.sort((a, b) -> (a.path("filename").asText() + a.get("sha256").asText())
                .compareTo(b.path("filename").asText() + b.get("sha256").asText()));
        out.putArray("attachments").addAll(parts);
        return out;
    }

    /** What a parser read for a field it read otherwise: the part names, or the first characters that differ. */
    private static String shown(String field, JsonNode expected, JsonNode actual) {
        if (field.equals("attachments")) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
                JsonNode e = expected.path(i);
                JsonNode a = actual.path(i);
                if (!e.equals(a)) {
                    names.add(a.isMissingNode() ? "(none)" : a.path("filename").asText("(no name)"));
                }
            }
            return String.join(", ", names);
        }
        String e = text(expected);
        String a = text(actual);
        int from = 0;
        while (from < Math.min(e.length(), a.length()) && e.charAt(from) == a.charAt(from)) {
            from++;
        }
        String differing = a.substring(Math.max(0, from - 10));
        return (from > 10 ? "…" : "") + (differing.length() > 40 ? differing.substring(0, 40) + "…" : differing);
    }

    /** A body or subject as it is, addresses as their names. */
    private static String text(JsonNode node) {
        if (node == null || node.isNull()) {
            return "(none)";
        }
        return node.isArray() ? String.join(", ", node.findValuesAsText("name")) : node.asText();
    }

    private static String table(String name, Map<String, Map<String, List<String>>> differences) {
        StringBuilder out = new StringBuilder("<!-- interop:" + name + " -->\n| case |");
        PARSERS.forEach(p -> out.append(' ').append(p).append(" |"));
        out.append("\n| --- |").append(" --- |".repeat(PARSERS.size())).append('\n');
        for (String c : LITERAL.keySet()) {
            out.append("| ").append(c).append(" |");
            for (String parser : PARSERS) {
                List<String> fields = differences.get(parser).get(c);
                out.append(' ')
                        .append(
                                fields.isEmpty()
                                        ? "exact"
                                        : fields.stream()
                                                .map(f -> "`"
                                                        + f.replace("`", "'").replace("|", "\\|") + "`")
                                                .collect(Collectors.joining("; ")))
                        .append(" |");
            }
            out.append('\n');
        }
        return out.append("<!-- /interop:").append(name).append(" -->\n").toString();
    }

    // ---- running the other parsers

    private static Map<String, Set<String>> spamAssassin(List<Path> messages) throws Exception {
        List<String> command = new ArrayList<>(
                List.of("perl", INTEROP.resolve("spamassassin.pl").toString()));
        messages.forEach(m -> command.add(m.toString()));
        Map<String, Set<String>> hits = new LinkedHashMap<>();
        for (String line : run(command).lines().toList()) {
            String[] columns = line.split("\t", -1);
            hits.put(columns[0], new TreeSet<>(List.of(columns[1].split(","))));
        }
        return hits;
    }

    private static String node(String script, List<String> arguments) throws Exception {
        if (!Files.isDirectory(INTEROP.resolve("node_modules"))) {
            throw new IllegalStateException(
                    "the npm packages are not installed: npm ci --prefix " + INTEROP + " (.ci/run does)");
        }
        return run(concat(List.of("node", INTEROP.resolve(script).toString()), arguments));
    }

    /** Runs a command to its end (two minutes at most) and returns what it printed; fails on an exit code. */
    private static String run(List<String> command) throws Exception {
        Path err = Files.createTempFile("interop", ".err");
        Process process = new ProcessBuilder(command)
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        byte[] out;
        try (InputStream in = process.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not end in 2 minutes");
        }
        String errors = Files.readString(err);
        Files.delete(err);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(
                    command.get(0) + " " + command.get(1) + " failed (" + process.exitValue() + "): " + errors);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    // ---- small helpers

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static Set<String> intersection(Set<String> a, Set<String> b) {
        Set<String> both = new TreeSet<>(a);
        both.retainAll(b);
        return both;
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> only = new TreeSet<>(a);
        only.removeAll(b);
        return only;
    }

    private static String mimeType(String contentType) {
        return contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
