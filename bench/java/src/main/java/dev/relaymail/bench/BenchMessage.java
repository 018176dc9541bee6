package dev.relaymail.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.activation.DataHandler;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** The one benchmark message (bench/message), as the function's send request. */
final class BenchMessage {
    static final ObjectMapper JSON = new ObjectMapper();

    final JsonNode meta;
    final String text;
    final String html;
    final byte[] pdf;
    final Path dir;

    BenchMessage(Path dir) throws IOException {
        this.dir = dir;
        meta = JSON.readTree(dir.resolve("message.json").toFile());
        text = Files.readString(dir.resolve(meta.get("text").asText()));
        html = Files.readString(dir.resolve(meta.get("html").asText()));
        pdf = Files.readAllBytes(dir.resolve(meta.at("/attachment/file").asText()));
    }

    static BenchMessage load() throws IOException {
        return new BenchMessage(Path.of(System.getProperty("bench.message", "bench/message")));
    }

    /** The message as Jakarta Mail's documentation builds it (multipart tree, DataHandler, setFileName). */
    MimeMessage plainMimeMessage(Session session) throws MessagingException {
        MimeMessage msg = new MimeMessage(session);
        msg.setFrom(new InternetAddress(meta.get("from").asText()));
        for (JsonNode to : meta.get("to")) {
            msg.addRecipient(Message.RecipientType.TO, new InternetAddress(to.asText()));
        }
        msg.setSubject(meta.get("subject").asText(), "UTF-8");
        MimeBodyPart textPart = new MimeBodyPart();
        textPart.setText(text, "UTF-8");
        MimeBodyPart htmlPart = new MimeBodyPart();
        htmlPart.setText(html, "UTF-8", "html");
        MimeBodyPart alternative = new MimeBodyPart();
        alternative.setContent(new MimeMultipart("alternative", textPart, htmlPart));
        MimeBodyPart attachment = new MimeBodyPart();
        attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(pdf, "application/pdf")));
        attachment.setFileName(meta.at("/attachment/filename").asText());
        msg.setContent(new MimeMultipart("mixed", alternative, attachment));
        return msg;
    }

    /** The send request JSON of the function's contract. */
    ObjectNode request() {
        ObjectNode r = JSON.createObjectNode();
        r.put("from", meta.get("from").asText());
        r.set("to", meta.get("to"));
        r.put("subject", meta.get("subject").asText());
        r.put("text", text);
        r.put("html", html);
        r.putArray("attachments")
                .addObject()
                .put("filename", meta.at("/attachment/filename").asText())
                .put("contentType", meta.at("/attachment/contentType").asText())
                .put("content", Base64.getEncoder().encodeToString(pdf));
        return r;
    }
}
