package dev.relaymail.testing;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.MailAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Small composed messages for relay tests. */
public final class TestMessages {
    private TestMessages() {}

    /** A plain message from billing@example.com; its body has a line starting with a dot. */
    public static ComposedMessage simple(String subject, String... recipients) {
        String mime = "From: billing@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject
                + "@example.com>\r\n\r\nHello\r\n.leading dot\r\n";
        return new ComposedMessage(
                "<" + subject + "@example.com>",
                mime.getBytes(StandardCharsets.US_ASCII),
                MailAddress.parse("billing@example.com"),
                List.of(recipients).stream().map(MailAddress::parse).toList());
    }

    /** A message of exactly these bytes from billing@example.com to one recipient. */
    public static ComposedMessage ofBytes(byte[] mime, String recipient) {
        return new ComposedMessage(
                "<bytes@example.com>",
                mime,
                MailAddress.parse("billing@example.com"),
                List.of(MailAddress.parse(recipient)));
    }
}
