package dev.relaymail.mime;

import dev.relaymail.core.Attachment;
import dev.relaymail.core.SendRequest;
import jakarta.activation.DataHandler;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.MultipartDataSource;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A message's body as a tree of parts whose content is encoded once, here, and the Jakarta Mail parts that write that
 * tree as it is: {@code mixed( related( alternative(text, html), inline… ), attachment… )}, each level present only
 * when needed. Text parts are UTF-8 in quoted-printable (base64 when mostly non-ASCII), attachments base64, names as
 * {@link FilenameParameter} writes them.
 */
final class MimeParts {
    static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END_DELIMITER = {'-', '-', '\r', '\n'};
    private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'});

    private MimeParts() {}

    static Node body(SendRequest request) {
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
            return new Multi(
                    "alternative",
                    List.of(
                            text(request.text().get(), "plain"),
                            text(request.html().get(), "html")));
        }
        return request.text().isPresent()
                ? text(request.text().get(), "plain")
                : text(request.html().get(), "html");
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
        return new Leaf(
                headers, base64 ? BASE64.encode(text.getBytes(StandardCharsets.UTF_8)) : QuotedPrintable.encode(text));
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
        headers.setHeader("Content-Type", attachment.contentType() + filename.contentTypeName());
        headers.setHeader("Content-Transfer-Encoding", "base64");
        headers.setHeader(
                "Content-Disposition",
                (attachment.inline() ? "inline" : "attachment") + filename.dispositionFilename());
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
    static void setMultipart(Part part, Multi multi) throws MessagingException {
        MimeMultipart multipart = new FixedBoundaryMultipart(multi.subtype());
        for (Node child : multi.children()) {
            multipart.addBodyPart(part(child));
        }
        part.setDataHandler(new MultipartContent(multipart));
        part.setHeader("Content-Type", multipart.getContentType());
        multipart.setParent(part);
    }

    /** One node of the MIME tree: a part with its content already encoded, or a multipart. */
    sealed interface Node permits Leaf, Multi {}

    /**
     * A part whose content is encoded once, here, and written as it is ({@link EncodedPart}), without a second pass
     * to choose an encoding and without encoding it again.
     */
    record Leaf(InternetHeaders headers, byte[] encoded) implements Node {}

    record Multi(String subtype, List<Node> children) implements Node {}

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
}
