package dev.relaymail.core;

import jakarta.activation.DataHandler;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.MultipartDataSource;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds the MIME message for a request with Jakarta Mail and writes it to bytes, checking the size while writing.
 *
 * <p>The tree is the usual one, each level present only when needed:
 * {@code mixed( related( alternative(text, html), inline… ), attachment… )}. Text parts are UTF-8 in
 * quoted-printable (base64 when mostly non-ASCII), attachments base64; display names and subject RFC 2047-encoded,
 * filenames RFC 2231-encoded with an ASCII fallback. Every message gets a {@code Date} and a {@code Message-ID} that
 * need no DNS lookup. No {@code Bcc} header is written: bcc recipients are only in the envelope.
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
    private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'});
    private static final int MAX_LINE = 998;
    /** SMTP ends the data with a line break anyway; ending with one here makes the bytes sent the bytes composed. */
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END_DELIMITER = {'-', '-', '\r', '\n'};

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
        String messageId = messageIds.next(request.idempotencyKey(), request.from().domain());
        try {
            IdentifiedMessage message = new IdentifiedMessage(session, messageId);
            message.setHeader("Date", dates.format(clock.instant()));
            message.setFrom(internet(request.from()));
            if (!request.replyTo().isEmpty()) {
                message.setReplyTo(internet(request.replyTo()));
            }
            if (!request.to().isEmpty()) {
                message.setRecipients(MimeMessage.RecipientType.TO, internet(request.to()));
            }
            if (!request.cc().isEmpty()) {
                message.setRecipients(MimeMessage.RecipientType.CC, internet(request.cc()));
            }
            if (EncodedWords.looksEncoded(request.subject())) {
                message.setHeader("Subject", EncodedWords.always(request.subject()));
            } else {
                message.setSubject(request.subject(), UTF_8);
            }
            for (Header header : request.headers()) {
                message.addHeader(header.name(), headerValue(header));
            }
            Node body = body(request);
            if (body instanceof Leaf leaf) {
                message.setEncodedContent(leaf);
            } else {
                setMultipart(message, (Multi) body);
            }
            message.saveChanges();
            return new ComposedMessage(messageId, write(message), request.from().withoutName(),
                    request.envelopeRecipients());
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("composing a validated message failed", e);
        }
    }

    private byte[] write(MimeMessage message) throws RequestRejectedException, MessagingException, IOException {
        BoundedOutput out = new BoundedOutput(maxBytes);
        try {
            message.writeTo(out);
            if (!out.endsWithCrlf()) {
                out.write(CRLF, 0, 2);
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
        return new RequestRejectedException(RequestRejectedException.Reason.TOO_LARGE, List.of(new FieldError(
                "message", "the composed message is larger than the limit of " + maxBytes
                        + " bytes (MAX_MESSAGE_BYTES)")));
    }

    private static InternetAddress internet(MailAddress address) throws UnsupportedEncodingException {
        String name = address.displayName().orElse(null);
        if (name != null && EncodedWords.looksEncoded(name)) {
            return new EncodedNameAddress(address.address(), name);
        }
        return new InternetAddress(address.address(), name, UTF_8);
    }

    private static InternetAddress[] internet(List<MailAddress> addresses) throws UnsupportedEncodingException {
        InternetAddress[] result = new InternetAddress[addresses.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = internet(addresses.get(i));
        }
        return result;
    }

    /**
     * Folds a requested header, encoding an {@code X-} header's text (RFC 2047, when not ASCII) but never a structured
     * one such as {@code List-Unsubscribe} (ASCII already; an encoded word would break its URLs); refuses one that
     * cannot fit in 998-character lines.
     */
    private static String headerValue(Header header) throws RequestRejectedException, UnsupportedEncodingException {
        String value = Header.custom(header.name()) ? EncodedWords.unstructured(header.value()) : header.value();
        String folded = value.contains("\r\n") ? value : MimeUtility.fold(header.name().length() + 2, value);
        int lineStart = -(header.name().length() + 2);
        for (int i = 0; i <= folded.length(); i++) {
            if (i == folded.length() || folded.charAt(i) == '\n') {
                if (i - lineStart > MAX_LINE) {
                    throw RequestRejectedException.invalid("headers." + header.name(),
                            "cannot be folded into lines of at most " + MAX_LINE + " characters");
                }
                lineStart = i + 1;
            }
        }
        return folded;
    }

    private static Node body(SendRequest request) {
        Node body = textBody(request);
        List<Attachment> inline = new ArrayList<>();
        List<Attachment> regular = new ArrayList<>();
        for (Attachment attachment : request.attachments()) {
            (attachment.inline() ? inline : regular).add(attachment);
        }
        if (!inline.isEmpty()) {
            body = multipart("related", body, inline);
        }
        if (!regular.isEmpty()) {
            body = multipart("mixed", body, regular);
        }
        return body;
    }

    private static Node textBody(SendRequest request) {
        if (request.text().isPresent() && request.html().isPresent()) {
            return new Multi("alternative", List.of(text(request.text().get(), "plain"),
                    text(request.html().get(), "html")));
        }
        return request.text().isPresent() ? text(request.text().get(), "plain") : text(request.html().get(), "html");
    }

    /**
     * A text part, encoded once here: quoted-printable keeps mostly-ASCII text readable; base64 is smaller when most
     * characters are not ASCII.
     */
    private static Leaf text(String text, String subtype) {
        int nonAscii = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7e) {
                nonAscii++;
            }
        }
        boolean base64 = nonAscii * 3 > text.length();
        InternetHeaders headers = new InternetHeaders();
        headers.setHeader("Content-Type", "text/" + subtype + "; charset=UTF-8");
        headers.setHeader("Content-Transfer-Encoding", base64 ? "base64" : "quoted-printable");
        return new Leaf(headers, base64 ? BASE64.encode(text.getBytes(StandardCharsets.UTF_8))
                : QuotedPrintable.encode(text));
    }

    private static Node multipart(String subtype, Node first, List<Attachment> attachments) {
        List<Node> parts = new ArrayList<>(attachments.size() + 1);
        parts.add(first);
        for (Attachment attachment : attachments) {
            parts.add(attachment(attachment));
        }
        return new Multi(subtype, parts);
    }

    private static Leaf attachment(Attachment attachment) {
        InternetHeaders headers = new InternetHeaders();
        FilenameParameter filename = new FilenameParameter(attachment.filename());
        headers.setHeader("Content-Type", attachment.contentType() + filename.render("name"));
        headers.setHeader("Content-Transfer-Encoding", "base64");
        headers.setHeader("Content-Disposition", (attachment.inline() ? "inline" : "attachment")
                + filename.render("filename"));
        if (attachment.inline()) {
            headers.setHeader("Content-ID", "<" + attachment.contentId().orElseThrow() + ">");
        }
        return new Leaf(headers, BASE64.encode(attachment.bytes()));
    }

    private static MimeBodyPart part(Node node) throws MessagingException {
        if (node instanceof Leaf leaf) {
            return new EncodedPart(leaf);
        }
        MimeBodyPart part = new MimeBodyPart();
        setMultipart(part, (Multi) node);
        return part;
    }

    /** What {@code setContent(Multipart)} does, with the content written by the multipart itself. */
    private static void setMultipart(Part part, Multi multi) throws MessagingException {
        MimeMultipart multipart = new FixedBoundaryMultipart(multi.subtype());
        for (Node child : multi.children()) {
            multipart.addBodyPart(part(child));
        }
        part.setDataHandler(new MultipartContent(multipart));
        part.setHeader("Content-Type", multipart.getContentType());
        multipart.setParent(part);
    }

    /** One node of the MIME tree: a part with its content already encoded, or a multipart. */
    private sealed interface Node permits Leaf, Multi {
    }

    /**
     * A part whose content is encoded once, here, and written as it is ({@link EncodedPart}), without a second pass
     * to choose an encoding and without encoding it again.
     */
    private record Leaf(InternetHeaders headers, byte[] encoded) implements Node {
    }

    private record Multi(String subtype, List<Node> children) implements Node {
    }

    /**
     * A multipart whose boundary is {@code =_rm_} and 24 random letters: always the same length, so that a message's
     * size does not vary from one composition to the next, and never found in quoted-printable or base64 content,
     * where {@code =_} cannot occur. (Jakarta Mail's own boundaries carry a counter, a hash code and the time.) It is
     * made from a {@link MultipartDataSource} that only gives the content type: Jakarta Mail's other constructors make
     * and render a boundary of their own first, to be thrown away here, code big enough that compiling it was the
     * largest single job of the JVM's optimising compiler in a benchmark run.
     */
    private static final class FixedBoundaryMultipart extends MimeMultipart {
        private final byte[] delimiter;

        FixedBoundaryMultipart(String subtype) throws MessagingException {
            this(subtype, "=_rm_" + boundary());
        }

        private FixedBoundaryMultipart(String subtype, String boundary) throws MessagingException {
            super(new ContentTypeOnly("multipart/" + subtype + "; boundary=\"" + boundary + "\""));
            delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        }

        /** What Jakarta Mail writes, without parsing the content type again for the boundary. */
        @Override
        public synchronized void writeTo(OutputStream out) throws IOException, MessagingException {
            for (int i = 0; i < getCount(); i++) {
                out.write(delimiter);
                out.write(CRLF);
                getBodyPart(i).writeTo(out);
                out.write(CRLF);
            }
            out.write(delimiter);
            out.write(END_DELIMITER);
        }

        private static String boundary() {
            char[] boundary = new char[24];
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < boundary.length; i++) {
                boundary[i] = MessageIds.BASE32[random.nextInt(MessageIds.BASE32.length)];
            }
            return new String(boundary);
        }
    }

    /**
     * A part whose content is encoded already: written as its header lines, an empty line and the content, as
     * Jakarta Mail writes it, without parsing its encoding again or finding a line writer for it.
     */
    private static final class EncodedPart extends MimeBodyPart {
        EncodedPart(Leaf leaf) throws MessagingException {
            super(leaf.headers(), leaf.encoded());
        }

        @Override
        public void writeTo(OutputStream out) throws IOException, MessagingException {
            for (Enumeration<String> lines = getAllHeaderLines(); lines.hasMoreElements(); ) {
                out.write(lines.nextElement().getBytes(StandardCharsets.ISO_8859_1));
                out.write(CRLF);
            }
            out.write(CRLF);
            out.write(content);
        }
    }

    /** A multipart's content type and no parts yet: the parts are added to the multipart made from it. */
    private static final class ContentTypeOnly implements MultipartDataSource {
        private final String contentType;

        ContentTypeOnly(String contentType) {
            this.contentType = contentType;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public int getCount() {
            return 0;
        }

        @Override
        public BodyPart getBodyPart(int index) {
            throw new IndexOutOfBoundsException(index);
        }

        @Override
        public InputStream getInputStream() throws IOException {
            throw new IOException("a multipart being composed has no source to read");
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new IOException("a multipart being composed has no source to write");
        }

        @Override
        public String getName() {
            return "";
        }
    }

    /**
     * A multipart as the content of its part. Jakarta's own {@code DataHandler} finds the code that writes a
     * multipart in Jakarta Activation's mailcap registry, for each multipart of each message: a lookup, a class
     * loaded by name and an instance made by reflection each time, and, the first time, the registry built by reading
     * every jar's mailcap files. The multipart writes itself, so this one asks nobody.
     */
    private static final class MultipartContent extends DataHandler {
        private final MimeMultipart multipart;

        MultipartContent(MimeMultipart multipart) {
            super(multipart, multipart.getContentType());
            this.multipart = multipart;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            try {
                multipart.writeTo(out);
            } catch (MessagingException e) {
                throw new IOException("writing a multipart failed", e);
            }
        }
    }

    /** An address whose display name looks like an encoded word: the name is encoded, so readers show it as given. */
    private static final class EncodedNameAddress extends InternetAddress {
        private static final long serialVersionUID = 1L;

        EncodedNameAddress(String address, String name) {
            super();
            setAddress(address);
            personal = name;
            encodedPersonal = EncodedWords.always(name);
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
