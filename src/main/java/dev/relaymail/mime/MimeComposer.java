package dev.relaymail.mime;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.Header;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.core.Text;
import dev.relaymail.mime.MimeParts.Leaf;
import dev.relaymail.mime.MimeParts.Multi;
import dev.relaymail.mime.MimeParts.Node;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.time.Clock;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;

/**
 * Builds the MIME message for a request with Jakarta Mail and writes it to bytes, checking the size while writing.
 *
 * <p>The body is {@link MimeParts}'s tree; display names and subject are RFC 2047-encoded. Every message gets a
 * {@code Date} and a {@code Message-ID} that need no DNS lookup. No {@code Bcc} header is written: bcc recipients are
 * only in the envelope.
 */
public final class MimeComposer {
    /**
     * Jakarta Mail finds its stream provider anew each time it creates a multipart or encodes or writes a part, by
     * scanning every jar's service files: about a millisecond each, several per message. Naming the provider (the
     * mechanism Jakarta Mail offers for this) turns each lookup into a class instantiation.
     */
    static final String STREAM_PROVIDER = "jakarta.mail.util.StreamProvider";

    static {
        if (System.getProperty(STREAM_PROVIDER) == null) {
            System.setProperty(STREAM_PROVIDER, "org.eclipse.angus.mail.util.MailStreamProvider");
        }
    }

    private static final String UTF_8 = "UTF-8";
    private static final int MAX_LINE = 998;
    /** The line length RFC 5322 asks for. */
    private static final int LINE = 78;

    private final Session session = Session.getInstance(new Properties());
    private final MessageIds messageIds;
    private final Clock clock;
    private final DateHeader dates = new DateHeader();
    private final long maxBytes;

    public MimeComposer(MessageIds messageIds, Clock clock, long maxBytes) {
        this.messageIds = messageIds;
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    public ComposedMessage compose(SendRequest request) throws RequestRejectedException {
        String messageId =
                messageIds.next(request.idempotencyKey(), request.from().domain());
        try {
            IdentifiedMessage message = new IdentifiedMessage(session, messageId);
            message.setHeader("Date", dates.format(clock.instant()));
            setAddresses(message, "From", List.of(request.from()));
            setAddresses(message, "Reply-To", request.replyTo());
            setAddresses(message, "To", request.to());
            setAddresses(message, "Cc", request.cc());
            // Jakarta folds plain text at white space, but writes an encoded word as long as the header name leaves
            // no room for (82 characters with Subject's): encoded words of ours fit their lines
            if (Text.isPrintableAscii(request.subject()) && !EncodedWords.looksEncoded(request.subject())) {
                message.setSubject(request.subject(), UTF_8);
            }
            // Jakarta folds only at white space, so a word too long for one line is encoded: encoded words fold
            String subject = message.getHeader("Subject", null);
            if (subject == null || longestLine("Subject", subject) > MAX_LINE) {
                message.setHeader("Subject", EncodedWords.always(request.subject(), "Subject: ".length(), 0));
            }
            for (Header header : request.headers()) {
                message.addHeader(header.name(), headerValue(header));
            }
            Node body = MimeParts.body(request);
            if (body instanceof Leaf leaf) {
                message.setEncodedContent(leaf);
            } else {
                MimeParts.setMultipart(message, (Multi) body);
            }
            message.saveChanges();
            return new ComposedMessage(
                    messageId, write(message), request.from().withoutName(), request.envelopeRecipients());
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("composing a validated message failed", e);
        }
    }

    private byte[] write(MimeMessage message) throws RequestRejectedException, MessagingException, IOException {
        BoundedOutput out = new BoundedOutput(maxBytes);
        try {
            message.writeTo(out);
            if (!out.endsWithCrlf()) {
                // SMTP ends the data with a line break anyway; ending with one here makes the bytes sent the bytes
                // composed.
                out.write(MimeParts.CRLF, 0, 2);
            }
        } catch (SizeLimitExceeded e) {
            throw tooLarge();
        } catch (MessagingException | IOException e) {
            if (out.exceeded) {
                throw tooLarge();
            }
            throw e;
        }
        return out.toByteArray();
    }

    private RequestRejectedException tooLarge() {
        return new RequestRejectedException(
                RequestRejectedException.Reason.TOO_LARGE,
                List.of(new FieldError(
                        "message",
                        "the composed message is larger than the limit of " + maxBytes
                                + " bytes (MAX_MESSAGE_BYTES)")));
    }

    private static InternetAddress internet(MailAddress address) throws UnsupportedEncodingException {
        String name = address.displayName().orElse(null);
        if (name != null && (EncodedWords.looksEncoded(name) || !Text.isPrintableAscii(name))) {
            return new EncodedNameAddress(address.address(), name);
        }
        return new InternetAddress(address.address(), name, UTF_8);
    }

    /**
     * An address header, folded only between addresses: Jakarta Mail also folds before an address too long for the
     * rest of the line, leaving the header's first line empty, and a display name is one word ({@link
     * EncodedNameAddress}).
     */
    private static void setAddresses(MimeMessage message, String name, List<MailAddress> addresses)
            throws MessagingException, UnsupportedEncodingException {
        if (addresses.isEmpty()) {
            return;
        }
        StringBuilder value = new StringBuilder();
        int line = name.length() + 2;
        for (MailAddress address : addresses) {
            String written = internet(address).toString();
            if (value.length() > 0) {
                value.append(',');
                line++;
                if (line + 1 + written.length() > LINE) {
                    value.append("\r\n");
                    line = 0;
                }
                value.append(' ');
                line++;
            }
            value.append(written);
            line += written.length();
        }
        message.setHeader(name, value.toString());
    }

    /**
     * Folds a requested header, encoding an {@code X-} header's text (RFC 2047, when not ASCII) but never a structured
     * one such as {@code List-Unsubscribe} (ASCII already; an encoded word would break its URLs); refuses one that
     * cannot fit in 998-character lines.
     */
    private static String headerValue(Header header) throws RequestRejectedException {
        String value = Header.custom(header.name())
                ? EncodedWords.unstructured(header.name(), header.value())
                : header.value();
        String folded =
                value.contains("\r\n") ? value : MimeUtility.fold(header.name().length() + 2, value);
        if (longestLine(header.name(), folded) > MAX_LINE) {
            throw RequestRejectedException.invalid(
                    "headers." + header.name(), "cannot be folded into lines of at most " + MAX_LINE + " characters");
        }
        return folded;
    }

    /** The longest line, without its line break, of a header with this name and this folded value. */
    private static int longestLine(String name, String folded) {
        int longest = 0;
        int lineStart = -(name.length() + 2);
        for (int i = 0; i <= folded.length(); i++) {
            if (i == folded.length() || folded.charAt(i) == '\n') {
                longest = Math.max(longest, i - lineStart - (i > 0 && folded.charAt(i - 1) == '\r' ? 1 : 0));
                lineStart = i + 1;
            }
        }
        return longest;
    }

    /**
     * An address whose display name is encoded by {@link EncodedWords#phrase}: one encoded word, which Python's
     * {@code email} does not split with a space as it does the several that Jakarta Mail makes of a long name; and a
     * name that looks like an encoded word is encoded too, so that readers show it as given.
     */
    private static final class EncodedNameAddress extends InternetAddress {
        private static final long serialVersionUID = 1L;

        EncodedNameAddress(String address, String name) {
            super();
            setAddress(address);
            personal = name;
            encodedPersonal = EncodedWords.phrase(name);
        }
    }

    /** A message whose {@code Message-ID} is ours, so that Jakarta Mail never looks up the local host name. */
    private static final class IdentifiedMessage extends MimeMessage {
        private final String messageId;

        IdentifiedMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }

        /**
         * Every part's headers are set as it is made, {@code Date} included, so saving adds only these two. Jakarta
         * Mail's own update would parse each part's content type and encoding again, to set the same headers.
         */
        @Override
        protected void updateHeaders() throws MessagingException {
            setHeader("MIME-Version", "1.0");
            updateMessageID();
        }

        /** A single-part body, already encoded: written as it is. */
        void setEncodedContent(Leaf leaf) throws MessagingException {
            for (Enumeration<jakarta.mail.Header> e = leaf.headers().getAllHeaders(); e.hasMoreElements(); ) {
                jakarta.mail.Header header = e.nextElement();
                setHeader(header.getName(), header.getValue());
            }
            content = leaf.encoded();
        }
    }

    /** Collects the bytes and stops the writer as soon as they pass the limit. */
    private static final class BoundedOutput extends ByteArrayOutputStream {
        private final long limit;
        private boolean exceeded;

        BoundedOutput(long limit) {
            super(8192);
            this.limit = limit;
        }

        @Override
        public synchronized void write(int b) {
            check(1);
            super.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            check(len);
            super.write(b, off, len);
        }

        boolean endsWithCrlf() {
            return count >= 2 && buf[count - 2] == '\r' && buf[count - 1] == '\n';
        }

        private void check(int more) {
            if (count + (long) more > limit) {
                exceeded = true;
                throw new SizeLimitExceeded();
            }
        }
    }

    /** Unchecked so that it passes through every writer Jakarta Mail stacks on the output. */
    private static final class SizeLimitExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SizeLimitExceeded() {
            super("size limit exceeded", null, false, false);
        }
    }
}
