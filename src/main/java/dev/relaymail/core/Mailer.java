package dev.relaymail.core;

import java.util.Optional;

/** Sends one validated request: checks the sender, composes the MIME message, hands it to the relay. */
public final class Mailer implements Sender {
    private final SenderPolicy senders;
    private final MimeComposer composer;
    private final Relay relay;

    public Mailer(SenderPolicy senders, MimeComposer composer, Relay relay) {
        this.senders = senders;
        this.composer = composer;
        this.relay = relay;
    }

    @Override
    public Accepted send(SendRequest request, Deadline deadline) throws MailException {
        senders.check(request.from());
        ComposedMessage message = composer.compose(request);
        String carrier;
        try {
            carrier = relay.send(message, deadline);
        } catch (RelayException e) {
            throw e.forMessage(message.messageId());
        }
        return new Accepted(message.messageId(), message.envelopeRecipients().size(), message.size(), false,
                Optional.of(carrier));
    }
}
