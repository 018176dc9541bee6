package dev.relaymail.relay;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.relay.transport.PipeliningTransport;
import jakarta.mail.Session;
import java.io.IOException;
import java.io.OutputStream;
import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * A composed message in the shape Angus Mail's transport sends: it writes the bytes composed (and size-checked)
 * once by the core, instead of encoding the MIME tree a second time. With {@code DATA}, Angus still normalises line
 * endings and dot-stuffs them on the way out; with {@code BDAT}, the transport sends them as they are.
 */
final class EncodedMessage extends SMTPMessage implements PipeliningTransport.ComposedContent {
    private final ComposedMessage composed;

    EncodedMessage(Session session, ComposedMessage composed) {
        super(session);
        this.composed = composed;
        setEnvelopeFrom(composed.envelopeFrom().address());
    }

    @Override
    public void writeTo(OutputStream out, String[] ignoreHeaders) throws IOException {
        out.write(composed.mime());
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        writeTo(out, null);
    }

    @Override
    public int getSize() {
        return composed.size();
    }

    @Override
    public byte[] content() {
        return composed.mime();
    }
}
