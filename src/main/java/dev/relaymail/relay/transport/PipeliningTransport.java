package dev.relaymail.relay.transport;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.smtp.SMTPOutputStream;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus Mail's SMTP transport with RFC 2920 PIPELINING: when the relay offers it, {@code MAIL FROM}, every
 * {@code RCPT TO} and {@code DATA} leave in one write and their replies are read afterwards, so a message costs two
 * round trips (envelope, then content) instead of one per command. Anything else is Angus's own code: the content
 * still goes through Angus's dot-stuffing and line-ending stream, and the replies become the same exceptions Angus
 * throws, so that {@link RelayFailures} classifies them alike.
 *
 * <p>All or nothing: a refused sender or any refused recipient fails the message. If the relay had already accepted
 * {@code DATA} by then, the connection is closed instead of sending anything, since an empty message would otherwise
 * reach the accepted recipients.
 *
 * <p>Writing several commands at once needs Angus's buffered output to the relay, which it keeps private; it is
 * reached by reflection. Where that fails (another Angus version), the transport does exactly what Angus does.
 *
 * <p>It lives in a package of its own because Angus names its loggers after the transport's package: this package
 * is a library's logger space, held at INFO like Angus's own (below that, Angus traces message bodies).
 */
public final class PipeliningTransport extends SMTPTransport {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final Field SERVER_OUTPUT = serverOutputField();

    private SMTPMessage message;
    private Address[] recipients;
    private SMTPOutputStream content;
    private boolean abandoned;
    /** Whether Angus holds the connection open ({@link #setConnected}). */
    private boolean connected;

    public PipeliningTransport(Session session, URLName url) {
        super(session, url);
    }

    private static Field serverOutputField() {
        try {
            Field field = SMTPTransport.class.getDeclaredField("serverOutput");
            field.setAccessible(true);
            return OutputStream.class.isAssignableFrom(field.getType()) ? field : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether Angus traces this connection's commands: the session's debug flag, or its protocol logger (named after
     * this package) at FINEST. Angus's own AUTH hides itself from the trace; a login through
     * {@link #simpleCommand(String)} would not, so none may be sent while this is true.
     */
    public boolean tracesCommands() {
        return session.getDebug()
                || Logger.getLogger(PipeliningTransport.class.getPackageName() + ".protocol")
                        .isLoggable(Level.FINEST);
    }

    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        this.message = message instanceof SMTPMessage smtp && SERVER_OUTPUT != null ? smtp : null;
        this.recipients = addresses;
        try {
            super.sendMessage(message, addresses);
        } finally {
            this.message = null;
            this.recipients = null;
            this.content = null;
        }
    }

    /** Whether this message goes pipelined: the relay offers it and Angus's output could be reached. */
    private boolean pipelining() {
        return message != null && message.getEnvelopeFrom() != null && supportsExtension("PIPELINING");
    }

    @Override
    protected void mailFrom() throws MessagingException {
        if (!pipelining()) {
            super.mailFrom();
        }
    }

    @Override
    protected void rcptTo() throws MessagingException {
        if (!pipelining()) {
            super.rcptTo();
            return;
        }
        OutputStream out = serverOutput();
        try {
            command(out, "MAIL FROM:<" + message.getEnvelopeFrom() + ">");
            for (Address address : recipients) {
                command(out, "RCPT TO:<" + ((InternetAddress) address).getAddress() + ">");
            }
            command(out, "DATA");
            out.flush();
        } catch (IOException e) {
            throw new MessagingException("Can't send command to SMTP host", e);
        }
        int mail = readServerResponse();
        String mailReply = getLastServerResponse();
        MessagingException refused = readRecipientReplies();
        int data = readServerResponse();
        String dataReply = getLastServerResponse();
        if (mail == 250 && refused == null && data == 354) {
            content = new SMTPOutputStream(out);
            return;
        }
        abandon(data);
        if (mail != 250) {
            throw new SMTPSendFailedException("MAIL FROM", mail, mailReply, null, null, recipients, null);
        }
        if (refused != null) {
            throw new SendFailedException("Invalid Addresses", refused, null, null, recipients);
        }
        throw new SMTPSendFailedException("DATA", data, dataReply, null, null, recipients, null);
    }

    private MessagingException readRecipientReplies() throws MessagingException {
        MessagingException refused = null;
        for (Address address : recipients) {
            int code = readServerResponse();
            if (code != 250 && code != 251) {
                SMTPAddressFailedException failure = new SMTPAddressFailedException(
                        (InternetAddress) address, "RCPT TO", code, getLastServerResponse());
                if (refused == null) {
                    refused = failure;
                } else {
                    refused.setNextException(failure);
                }
            }
        }
        return refused;
    }

    /**
     * Ends a refused transaction: with RSET when the relay refused DATA too, by closing the connection when it is
     * waiting for content that must not be sent.
     */
    private void abandon(int dataReply) throws MessagingException {
        if (dataReply == 354) {
            abandoned = true;
            close();
        } else {
            sendCommand("RSET");
            readServerResponse();
        }
    }

    /**
     * True once the connection cannot carry another message: a refused transaction was ended by closing it, or Angus
     * closed it itself (it does when the RSET after a refused recipient fails, and then throws the refusal).
     */
    public synchronized boolean abandoned() {
        return abandoned || !connected;
    }

    @Override
    protected synchronized void setConnected(boolean connected) {
        this.connected = connected;
        super.setConnected(connected);
    }

    @Override
    protected OutputStream data() throws MessagingException {
        return content != null ? content : super.data();
    }

    @Override
    protected void finishData() throws IOException, MessagingException {
        if (content == null) {
            super.finishData();
            return;
        }
        content.ensureAtBOL();
        sendCommand(".");
        int code = readServerResponse();
        if (code != 250) {
            throw new SMTPSendFailedException(".", code, getLastServerResponse(), null, null, recipients, null);
        }
    }

    private OutputStream serverOutput() throws MessagingException {
        try {
            return (OutputStream) SERVER_OUTPUT.get(this);
        } catch (IllegalAccessException e) {
            throw new MessagingException("Angus Mail's output to the relay is not reachable", e);
        }
    }

    /** Writes a command without flushing; the same check for CR and LF that Angus applies to its commands. */
    private static void command(OutputStream out, String command) throws IOException {
        if (command.indexOf('\r') >= 0 || command.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("Command contains CR or LF");
        }
        out.write(command.getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
    }
}
