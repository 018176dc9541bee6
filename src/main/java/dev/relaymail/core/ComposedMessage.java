package dev.relaymail.core;

import java.util.List;
import java.util.Objects;

/**
 * A message ready for the relay: its MIME bytes exactly as composed (CRLF line endings), its {@code Message-ID}
 * header value, and the envelope. The bytes array is owned by this record and never changed.
 */
public record ComposedMessage(
        String messageId, byte[] mime, MailAddress envelopeFrom, List<MailAddress> envelopeRecipients) {
    public ComposedMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(mime, "mime");
        Objects.requireNonNull(envelopeFrom, "envelopeFrom");
        envelopeRecipients = List.copyOf(envelopeRecipients);
    }

    public int size() {
        return mime.length;
    }
}
