package dev.relaymail.relay;

import dev.relaymail.core.ComposedMessage;
import jakarta.mail.Session;
import java.io.IOException;
import java.io.OutputStream;
import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * A composed message in the shape Angus Mail's transport sends: it writes the bytes composed (and size-checked)
 * once by the core, instead of encoding the MIME tree a second time. Angus still normalises line endings and
 * dot-stuffs them on the way out. It also remembers whether the content was handed over, which tells a broken
 * connection before the data from one after it (an unknown outcome).
 */
final class EncodedMessage extends SMTPMessage {
    private final ComposedMessage composed;
    private boolean contentWritten;

    EncodedMessage(Session session, ComposedMessage composed) {
        super(session);
        this.composed = composed;
        setEnvelopeFrom(composed.envelopeFrom().address());
    }

    @Override
    public void writeTo(OutputStream out, String[] ignoreHeaders) throws IOException {
        out.write(composed.mime());
        contentWritten = true;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        writeTo(out, null);
    }

    @Override
    public int getSize() {
        return composed.size();
    }

    boolean contentWritten() {
        return contentWritten;
    }
}
