package dev.relaymail.core;

import dev.relaymail.mime.MimeComposer;
import java.util.Optional;

/**
 * Sends one validated request: checks the sender, reads attachments given by reference, composes the MIME message,
 * hands it to the relay.
 */
public final class Mailer implements Sender {
    private final SenderPolicy senders;
    private final StoredAttachments storedAttachments;
    private final MimeComposer composer;
    private final Relay relay;

    public Mailer(SenderPolicy senders, StoredAttachments storedAttachments, MimeComposer composer, Relay relay) {
        this.senders = senders;
        this.storedAttachments = storedAttachments;
        this.composer = composer;
        this.relay = relay;
    }

    @Override
    public Accepted send(SendRequest request, Deadline deadline) throws MailException {
        senders.check(request.from());
        ComposedMessage message = composer.compose(storedAttachments.resolve(request, deadline));
        String carrier;
        try {
            carrier = relay.send(message, deadline);
        } catch (RelayException e) {
            throw e.forMessage(message.messageId());
        }
        return new Accepted(
                message.messageId(), message.envelopeRecipients().size(), message.size(), false, Optional.of(carrier));
    }
}
