package dev.relaymail.relay.transport;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.smtp.SMTPOutputStream;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus Mail's SMTP transport with RFC 2920 PIPELINING and RFC 3030 CHUNKING:
 *
 * <ul>
 *   <li>CHUNKING: the content goes as {@code BDAT <size> LAST} followed by exactly the composed bytes, their count
 *       taken from those very bytes; no dot-stuffing and no end-of-data line, so nothing in a body can end the message
 *       early or start another. With PIPELINING too, a message to one recipient whose whole flight fits in
 *       {@link #ONE_FLIGHT_BYTES} goes in one flight ({@code MAIL FROM}, {@code RCPT TO}, {@code BDAT} and the
 *       content in one write): one round trip. Any other message sends its envelope first and the content only once
 *       every recipient was accepted: with the content in the same flight, a relay that refuses one recipient of
 *       several delivers the message to the others (RFC 3030), and a larger flight is answered in two pieces (see
 *       {@link #ONE_FLIGHT_BYTES}). Without PIPELINING, Angus sends the envelope one command at a time.
 *   <li>PIPELINING alone: {@code MAIL FROM}, every {@code RCPT TO} and {@code DATA} in one write, then the content
 *       through Angus's dot-stuffing stream (two round trips). A recipient refused after the relay accepted
 *       {@code DATA} closes the connection instead of sending anything, since an empty message would otherwise reach
 *       the accepted recipients.
 *   <li>The next message's envelope: when the sender has another message ready for this connection
 *       ({@link NextMessage}), its {@code MAIL FROM} and {@code RCPT TO}s (and {@code DATA}, without CHUNKING) follow
 *       this message's content in the same flight, so that its replies come back with this message's verdict and its
 *       own content can go at once: one round trip per message while messages keep coming. Its content still goes only
 *       once every recipient was accepted. A refused {@code BDAT} with an envelope gone ahead closes the connection
 *       rather than end the other message's transaction with RSET.
 * </ul>
 *
 * <p>Replies become the exceptions Angus throws, so that {@code RelayFailures} classifies them alike; replies that
 * contradict each other, or more replies than commands, become {@link RepliesOutOfStep}. All or nothing: a refused
 * sender or any refused recipient fails the message. {@link #contentSent()} tells a failure before the relay can have
 * the message from one after.
 *
 * <p>Writing several commands at once needs Angus's buffered output to the relay, and telling whether the relay sent
 * more than it was asked needs its buffered input; Angus keeps both private, so they are reached by reflection. Where
 * that fails (another Angus version), the transport does exactly what Angus does.
 *
 * <p>It lives in a package of its own because Angus names its loggers after the transport's package: this package
 * is a library's logger space, held at INFO like Angus's own (below that, Angus traces message bodies).
 */
public final class PipeliningTransport extends SMTPTransport {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final Field SERVER_OUTPUT = angusField("serverOutput", OutputStream.class);
    private static final Field SERVER_INPUT = angusField("lineInputStream", InputStream.class);
    /**
     * The largest flight sent at once. Postfix reads 4,096 bytes at a time and, each time it reads more, sends the
     * replies it holds: a larger flight is answered in two pieces, and Postfix holds the second (the verdict on the
     * content) until the first is acknowledged (Nagle), which the receiving side may delay by up to 40 ms, longer
     * than the round trip saved (measured in docs/delivery.md, "How a message is sent").
     */
    private static final int ONE_FLIGHT_BYTES = 4096;
    /** How much of a message's end goes with the next message's envelope ({@link #endFlight}). */
    private static final int LAST_BYTES = 256;

    private static final byte[] END_OF_DATA = {'.', '\r', '\n'};

    /**
     * A message whose content is bytes composed once, CRLF line endings throughout: what {@code BDAT} sends as they
     * are.
     */
    public interface ComposedContent {
        /** The content, exactly as it must reach the relay; the caller must not change it. */
        byte[] content();
    }

    /** A message's envelope: its sender and its recipients, as {@code MAIL FROM} and {@code RCPT TO} name them. */
    public record Envelope(String from, List<String> recipients) {
        public Envelope {
            recipients = List.copyOf(recipients);
        }
    }

    /**
     * Asked when a message's content has been written and is about to go: the envelope of the message to send next on
     * this connection, which then goes in the same flight, or null when there is none.
     */
    @FunctionalInterface
    public interface NextMessage {
        Envelope claim();
    }

    private static final NextMessage NONE = () -> null;

    /**
     * The relay's replies did not line up with the commands they answer: a refusal and then an acceptance of the
     * content, or more replies than commands. The relay may or may not have taken the message.
     */
    public static final class RepliesOutOfStep extends MessagingException {
        private static final long serialVersionUID = 1L;

        RepliesOutOfStep(String detail) {
            super(detail);
        }
    }

    private SMTPMessage message;
    private Address[] recipients;
    private NextMessage next = NONE;
    /** The envelope written after the last message's content, its replies still unread; null when none went. */
    private Envelope sentAhead;
    /** Whether this message's envelope went ahead, after the last message's content. */
    private boolean envelopeAhead;
    /** Whether the replies to the envelope that went ahead were read. */
    private boolean aheadRead;

    private SMTPOutputStream content;
    /** Whether the content went with {@code BDAT}, so that Angus's own write of it must go nowhere. */
    private boolean chunked;
    /** Whether the last message's whole content went to the relay ({@link #contentSent()}). */
    private boolean contentSent;

    private boolean abandoned;
    /** Whether Angus holds the connection open ({@link #setConnected}). */
    private boolean connected;

    public PipeliningTransport(Session session, URLName url) {
        super(session, url);
    }

    private static Field angusField(String name, Class<?> type) {
        try {
            Field field = SMTPTransport.class.getDeclaredField(name);
            field.setAccessible(true);
            return type.isAssignableFrom(field.getType()) ? field : null;
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

    /**
     * Sends the message; when its content goes pipelined, {@code next} is asked for the message to send after it,
     * whose envelope then follows the content in the same flight (RFC 2920 allows commands after the end of the
     * content in one group). That message must be the next sent on this connection: its replies are read when it is
     * ({@link #sentAhead()}).
     */
    public synchronized void sendMessage(Message message, Address[] addresses, NextMessage next)
            throws MessagingException {
        this.next = next;
        try {
            sendMessage(message, addresses);
        } finally {
            this.next = NONE;
        }
    }

    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        this.message =
                message instanceof SMTPMessage smtp && SERVER_OUTPUT != null && SERVER_INPUT != null ? smtp : null;
        this.recipients = addresses;
        contentSent = false;
        envelopeAhead = sentAhead != null;
        aheadRead = false;
        try {
            if (envelopeAhead && (this.message == null || !sentAhead.equals(envelope()))) {
                abandon();
                throw new IllegalStateException("another message's envelope went ahead on this connection");
            }
            sentAhead = null;
            super.sendMessage(message, addresses);
        } finally {
            if (envelopeAhead && !aheadRead) {
                // failed before its replies were read: they would answer the next message's commands
                abandon();
            }
            this.message = null;
            this.recipients = null;
            this.content = null;
            this.chunked = false;
            this.envelopeAhead = false;
        }
    }

    /**
     * The envelope that went after the last message's content and waits for its message: the next sent on this
     * connection must be that one. Null when none went, or when the connection cannot carry another message.
     */
    public synchronized Envelope sentAhead() {
        return abandoned() ? null : sentAhead;
    }

    /**
     * Whether the last message's whole content went to the relay (written and flushed, its end included), so that
     * the relay may have taken it although no reply says so. False when the write failed before its last byte: the
     * relay cannot have a message whose end it never got.
     */
    public synchronized boolean contentSent() {
        return contentSent;
    }

    /** Whether this message goes pipelined: the relay offers it and Angus's output could be reached. */
    private boolean pipelining() {
        return message != null && message.getEnvelopeFrom() != null && supportsExtension("PIPELINING");
    }

    /** Whether this message's content goes with BDAT: the relay offers CHUNKING and the bytes are composed. */
    private boolean chunking() {
        return message instanceof ComposedContent && supportsExtension("CHUNKING");
    }

    /**
     * Whether the envelope and the content go in one flight: BDAT, pipelined, to one recipient, in at most
     * {@link #ONE_FLIGHT_BYTES}.
     */
    private boolean oneFlight() {
        return !envelopeAhead
                && chunking()
                && pipelining()
                && recipients.length == 1
                && envelopeBytes() + bdat(content()).length() + CRLF.length + content().length <= ONE_FLIGHT_BYTES;
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
        } else if (envelopeAhead) {
            aheadRead = true;
            if (chunking()) {
                readEnvelope();
            } else {
                readEnvelopeAndData();
            }
            // every reply of the flight is read: anything more answers no command, and the content must not go
            requireInStep();
        } else if (oneFlight()) {
            requireInStep();
            try {
                writeEnvelope(serverOutput(), envelope());
            } catch (IOException e) {
                throw new MessagingException("Can't send command to SMTP host", e);
            }
        } else if (chunking()) {
            sendEnvelope();
        } else {
            sendEnvelopeAndData();
        }
    }

    /**
     * The envelope for the content sent after it with BDAT: all of it in one write, then every reply read; a refused
     * sender or recipient resets the transaction before any content is sent.
     */
    private void sendEnvelope() throws MessagingException {
        requireInStep();
        try {
            OutputStream out = serverOutput();
            writeEnvelope(out, envelope());
            out.flush();
        } catch (IOException e) {
            throw new MessagingException("Can't send command to SMTP host", e);
        }
        readEnvelope();
    }

    /** The replies to the envelope; a refused sender or recipient resets the transaction. */
    private void readEnvelope() throws MessagingException {
        MessagingException refused = readEnvelopeReplies();
        if (refused != null) {
            reset();
            throw refused;
        }
    }

    /**
     * CHUNKING: {@code BDAT <size> LAST} and the composed bytes, after the envelope written by {@link #rcptTo} (one
     * flight) or accepted already; then, unless it was one flight, the next message's envelope ({@link #endFlight}).
     * Once the content is out, every failure to read a reply leaves the outcome unknown,
     * unless a reply already read refused the sender or the recipient: then the relay has no one to deliver to.
     */
    private void sendChunk(byte[] bytes) throws MessagingException {
        try {
            OutputStream out = serverOutput();
            command(out, bdat(bytes));
            if (oneFlight()) {
                out.write(bytes);
                out.flush();
            } else {
                int end = Math.max(0, bytes.length - LAST_BYTES);
                out.write(bytes, 0, end);
                endFlight(out, bytes, end);
            }
        } catch (IOException e) {
            throw new MessagingException("Can't send command to SMTP host", e);
        }
        contentSent = true;
        if (oneFlight()) {
            readOneFlight();
        } else {
            readContentReply();
        }
        if (sentAhead == null) {
            requireInStep();
        }
    }

    /**
     * Ends a flight that carries a message's content with its last bytes ({@code last} from {@code from}): the next
     * message's envelope goes with them when there is one (and DATA, when the content goes with DATA), then everything
     * is flushed. A message to one recipient in one flight takes no envelope along: it takes one round trip already.
     *
     * <p>The last bytes and the envelope go in a write of their own, so in one TLS record. Postfix reads one record at a
     * time, at most 4,096 bytes, and sends the replies it holds whenever it must read more: had the envelope come in a
     * record after the end of the content, it would send the verdict on the content alone, then the envelope's replies
     * once the verdict is acknowledged (Nagle), up to 40 ms later.
     */
    private void endFlight(OutputStream out, byte[] last, int from) throws IOException {
        Envelope following = pipelining() ? next.claim() : null;
        if (following != null) {
            out.flush();
        }
        out.write(last, from, last.length - from);
        if (following != null) {
            writeEnvelope(out, following);
            if (!chunking()) {
                command(out, "DATA");
            }
        }
        out.flush();
        sentAhead = following;
    }

    /** The replies to MAIL FROM, RCPT TO and BDAT of one flight. */
    private void readOneFlight() throws MessagingException {
        MessagingException refused = readEnvelopeReplies();
        if (refused == null) {
            readContentReply();
            return;
        }
        int code = -1;
        if (!abandoned) {
            try {
                code = readServerResponse();
            } catch (MessagingException lost) {
                abandoned = true;
            }
        }
        if (code >= 200 && code < 300) {
            abandon();
            throw new RepliesOutOfStep("the relay refused the envelope and then accepted the content: "
                    + refused.getMessage() + "; " + getLastServerResponse().strip());
        }
        reset();
        throw refused;
    }

    /** The reply to BDAT LAST: a refusal resets the transaction; a lost reply is thrown as it is (unknown). */
    private void readContentReply() throws MessagingException {
        int code;
        try {
            code = readServerResponse();
        } catch (MessagingException lost) {
            abandoned = true;
            throw lost;
        }
        if (code == 250) {
            return;
        }
        String reply = getLastServerResponse();
        if (code == -1) {
            abandon();
            throw new MessagingException("No reply to BDAT: " + reply);
        }
        reset();
        throw new SMTPSendFailedException("BDAT", code, reply, null, null, recipients, null);
    }

    /** PIPELINING without CHUNKING: MAIL FROM, RCPT TO and DATA in one write, the content after 354. */
    private void sendEnvelopeAndData() throws MessagingException {
        requireInStep();
        try {
            OutputStream out = serverOutput();
            writeEnvelope(out, envelope());
            command(out, "DATA");
            out.flush();
        } catch (IOException e) {
            throw new MessagingException("Can't send command to SMTP host", e);
        }
        readEnvelopeAndData();
    }

    /** The replies to MAIL FROM, RCPT TO and DATA: the content follows after 354 when every recipient was accepted. */
    private void readEnvelopeAndData() throws MessagingException {
        MessagingException refused = readEnvelopeReplies();
        int data = -1;
        if (!abandoned) {
            try {
                data = readServerResponse();
            } catch (MessagingException lost) {
                if (refused == null) {
                    throw lost;
                }
                abandoned = true;
            }
        }
        String dataReply = getLastServerResponse();
        if (refused == null && data == 354) {
            content = new SMTPOutputStream(serverOutput());
            return;
        }
        if (data == 354) {
            abandon();
        } else {
            reset();
        }
        if (refused != null) {
            throw refused;
        }
        if (data == -1) {
            throw new MessagingException("No reply to DATA: " + dataReply);
        }
        throw new SMTPSendFailedException("DATA", data, dataReply, null, null, recipients, null);
    }

    private static void writeEnvelope(OutputStream out, Envelope envelope) throws IOException {
        for (String command : commands(envelope)) {
            command(out, command);
        }
    }

    /** MAIL FROM and a RCPT TO for each recipient, without their line ends. */
    private static List<String> commands(Envelope envelope) {
        List<String> commands = new ArrayList<>(envelope.recipients().size() + 1);
        commands.add("MAIL FROM:<" + envelope.from() + ">");
        for (String recipient : envelope.recipients()) {
            commands.add("RCPT TO:<" + recipient + ">");
        }
        return commands;
    }

    /** This message's envelope. */
    private Envelope envelope() {
        List<String> to = new ArrayList<>(recipients.length);
        for (Address address : recipients) {
            to.add(((InternetAddress) address).getAddress());
        }
        return new Envelope(message.getEnvelopeFrom(), to);
    }

    private int envelopeBytes() {
        return commands(envelope()).stream()
                .mapToInt(c -> c.length() + CRLF.length)
                .sum();
    }

    private byte[] content() {
        return ((ComposedContent) message).content();
    }

    /** The command for the content in one chunk, its size counted from the very bytes that follow it. */
    private static String bdat(byte[] content) {
        return "BDAT " + content.length + " LAST";
    }

    /**
     * Reads the replies to MAIL FROM and every RCPT TO; returns the refusal of the sender, or of every refused
     * recipient chained, or null when all were accepted. A connection lost before any refusal is thrown; lost after
     * one, the refusal is returned (it says the message was not taken) and the connection is abandoned.
     */
    private MessagingException readEnvelopeReplies() throws MessagingException {
        SMTPSendFailedException sender = null;
        MessagingException refused = null;
        try {
            int mail = readServerResponse();
            if (mail == -1) {
                throw new MessagingException("No reply to MAIL FROM: " + getLastServerResponse());
            }
            if (mail != 250) {
                sender = new SMTPSendFailedException(
                        "MAIL FROM", mail, getLastServerResponse(), null, null, recipients, null);
            }
            for (Address address : recipients) {
                int code = readServerResponse();
                if (code == -1) {
                    throw new MessagingException("No reply to RCPT TO: " + getLastServerResponse());
                }
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
        } catch (MessagingException lost) {
            if (sender == null && refused == null) {
                abandoned = true;
                throw lost;
            }
            abandoned = true;
        }
        if (sender != null) {
            return sender;
        }
        return refused == null ? null : new SendFailedException("Invalid Addresses", refused, null, null, recipients);
    }

    /**
     * Ends a refused transaction with RSET and keeps the connection; closes it instead when it was abandoned already,
     * the relay does not take the RSET, or the next message's envelope went ahead (an RSET would end that message's
     * transaction too).
     */
    private void reset() {
        boolean reset = false;
        if (!abandoned && sentAhead == null) {
            try {
                sendCommand("RSET");
                reset = readServerResponse() == 250;
            } catch (MessagingException e) {
                // the connection is closed below
            }
        }
        if (!reset) {
            abandon();
        }
    }

    /** Ends the connection: its transaction or its replies cannot be trusted to go on. */
    private void abandon() {
        abandoned = true;
        try {
            close();
        } catch (MessagingException e) {
            // the connection is gone either way
        }
    }

    /**
     * Before a flight, the relay must have nothing more to say; after one, nothing beyond its replies. Anything else
     * (a reply to no command, the rest of a reply read as another's) means the replies no longer line up with the
     * commands: the connection is closed. Only what has already arrived can be seen.
     */
    private void requireInStep() throws MessagingException {
        int waiting;
        try {
            waiting = ((InputStream) SERVER_INPUT.get(this)).available();
        } catch (IOException | IllegalAccessException e) {
            throw new MessagingException("Can't read from SMTP host", e);
        }
        if (waiting > 0) {
            abandon();
            throw new RepliesOutOfStep("the relay sent " + waiting + " bytes that answer no command");
        }
    }

    /**
     * True once the connection cannot carry another message: a refused transaction was ended by closing it, a
     * message's replies were lost, or Angus closed it itself (it does when the RSET after a refused recipient fails,
     * and then throws the refusal).
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
        if (chunking()) {
            sendChunk(content());
            chunked = true;
            // the content went with BDAT; Angus still writes the message to the stream it gets here
            return OutputStream.nullOutputStream();
        }
        return content != null ? content : super.data();
    }

    @Override
    protected void finishData() throws IOException, MessagingException {
        if (chunked) {
            return;
        }
        if (content == null) {
            // Angus writes the end of data and reads the reply in one step: the content counts as sent before
            contentSent = true;
            super.finishData();
            return;
        }
        content.ensureAtBOL();
        try {
            OutputStream out = serverOutput();
            endFlight(out, END_OF_DATA, 0);
        } catch (IOException e) {
            throw new MessagingException("Can't send command to SMTP host", e);
        }
        contentSent = true;
        int code = readServerResponse();
        if (code != 250) {
            // the reply to the end of data ends the transaction, whatever it says: an envelope sent ahead still stands
            throw new SMTPSendFailedException(".", code, getLastServerResponse(), null, null, recipients, null);
        }
        if (sentAhead == null) {
            requireInStep();
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
